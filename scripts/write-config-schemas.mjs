// Writes schemas/*.json from the zod schemas (run by `npm run build`, after tsc). `--check` only compares.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { renderConfigSchemas, SCHEMAS_DIR } = await import(path.join(root, "dist/src/config/render-config-schemas.js"));
const check = process.argv.includes("--check");
const dir = path.join(root, SCHEMAS_DIR);
mkdirSync(dir, { recursive: true });
let stale = 0;
for (const [name, text] of Object.entries(renderConfigSchemas())) {
  const file = path.join(dir, name);
  let current = "";
  try {
    current = readFileSync(file, "utf8");
  } catch {}
  if (current === text) continue;
  if (check) {
    console.error(`${SCHEMAS_DIR}/${name} is out of date: run npm run build`);
    stale++;
  } else {
    writeFileSync(file, text);
    console.log(`wrote ${SCHEMAS_DIR}/${name}`);
  }
}
process.exit(stale > 0 ? 1 : 0);
