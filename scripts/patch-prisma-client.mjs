#!/usr/bin/env node
// Run by prisma-generate.sh after `prisma generate`. The generated client loads its WebAssembly query compiler by
// importing a module whose one export is the .wasm as a base64 string (4.4 MB). An imported module lives as long as
// the process, so its source text and that string (two 4.4 MB strings) stayed in every process's heap
// (bench/soak/README.md). The patch reads the same file as text instead, decodes and compiles it: the text is
// garbage once the module is compiled. It fails the build when the generated code no longer has the expected shape.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const file = path.resolve(import.meta.dirname, "../src/generated/prisma/internal/class.ts");
const MARK = "moderator: the base64 is read as text";
const text = readFileSync(file, "utf8");
const shape = /const \{ wasm \} = await import\(("@prisma\/client\/runtime\/[^"]+\.wasm-base64\.mjs")\)\n(\s*)return await decodeBase64AsWasm\(wasm\)/;
const m = shape.exec(text);
if (!m) {
  if (text.includes(MARK)) process.exit(0);
  console.error(`patch-prisma-client: ${file} no longer loads the query compiler as expected (an import of *.wasm-base64.mjs then decodeBase64AsWasm(wasm)); update scripts/patch-prisma-client.mjs for this Prisma version`);
  process.exit(1);
}
const [whole, specifier, indent] = m;
const patched = [
  `// ${MARK} (scripts/patch-prisma-client.mjs): an imported module would hold it for the life of the process`,
  `const { readFile } = await import('node:fs/promises')`,
  `const { createRequire } = await import('node:module')`,
  `const source = await readFile(createRequire(import.meta.url).resolve(${specifier}), 'utf8')`,
  `if (!source.startsWith('const wasm = "')) throw new Error(\`${specifier.slice(1, -1)} is not the expected "const wasm = \\"...\\"" module\`)`,
  `return await decodeBase64AsWasm(source.slice(source.indexOf('"') + 1, source.lastIndexOf('"')))`,
].join(`\n${indent}`);
writeFileSync(file, text.replace(whole, patched));
