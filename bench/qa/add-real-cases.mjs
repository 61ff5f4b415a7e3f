#!/usr/bin/env node
/**
 * Writes the held-out cases built from real open-source files (issue 12) into bench/qa/corpus/.
 *
 *   node bench/qa/add-real-cases.mjs [--force]
 *
 * Each case copies files from an installed npm package (node_modules/, after `npm install`) or from the
 * system's CPython library (/usr/lib/python3.11) into a scratch before/after tree, runs make-case.sh, and
 * writes the labels below into case.json, with the analyzer input the pipeline would add (manifests,
 * repoFiles, fileSizes, fileHeads) and the source and licence of every file.
 * The labels were written from reading the files, before the analyzers were run on them or tuned.
 *
 * A case whose diff holds a real key (published test keys) is stored base64-encoded as change.diff.b64,
 * so the repository holds no credential-shaped literal for push protection or scanners to trip on.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const NM = path.join(root, "node_modules");
const PY = "/usr/lib/python3.11";
const corpus = path.join(here, "corpus");
const force = process.argv.includes("--force");

/** `npm:<package>/<file>` or `py:<file>` or `text:<content>`; `lines:<a>-<b>:` prefix takes a line range. */
function source(spec) {
  let range;
  const ranged = /^lines:(\d+)-(\d+):(.*)$/.exec(spec);
  if (ranged) {
    range = [Number(ranged[1]), Number(ranged[2])];
    spec = ranged[3];
  }
  let text;
  let origin;
  if (spec.startsWith("text:")) return { text: spec.slice(5), origin: undefined };
  if (spec.startsWith("npm:")) {
    const rel = spec.slice(4);
    const parts = rel.split("/");
    const pkg = rel.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
    const manifest = JSON.parse(readFileSync(path.join(NM, pkg, "package.json"), "utf8"));
    text = readFileSync(path.join(NM, rel), "utf8");
    origin = `npm ${pkg}@${manifest.version}: ${rel.slice(pkg.length + 1)} (${manifest.license ?? "see package"})`;
  } else if (spec.startsWith("py:")) {
    const rel = spec.slice(3);
    text = readFileSync(path.join(PY, rel), "utf8");
    origin = `CPython 3.11 Lib/${rel} (PSF-2.0)`;
  } else throw new Error(`bad source ${spec}`);
  if (range) {
    text = `${text.split("\n").slice(range[0] - 1, range[1]).join("\n")}\n`;
    origin += ` lines ${range[0]}-${range[1]}`;
  }
  return { text, origin };
}

const pyproject = (name, module) =>
  `text:[project]\nname = "${name}"\nversion = "1.0.0"\nrequires-python = ">=3.9"\ndependencies = []\n\n[project.scripts]\n${name} = "${module}:main"\n`;
const pkgJson = (name, deps = {}) =>
  `text:${JSON.stringify({ name, version: "1.0.0", type: "commonjs", dependencies: deps }, null, 2)}\n`;
const missing = { rule: "tests/missing" };
const minified = (p) => ({ rule: "files/large-or-binary", path: p, line: "any" });

/** The held-out cases: labels written before tuning. */
const CASES = [
  // ---- PEM header constants, placeholder key blocks in docs, real keys
  {
    name: "holdout-real-get-private-key-source",
    description: "@probot/get-private-key's source: PEM header constants (not keys), readFileSync of a user-named key file.",
    languages: ["javascript"],
    before: { "package.json": "npm:@probot/get-private-key/package.json" },
    after: { "src/index.js": "npm:@probot/get-private-key/dist-src/index.js" },
    expected: [missing, { rule: "io/unhandled", path: "src/index.js", line: 18 }, { rule: "io/unhandled", path: "src/index.js", line: 55 }],
  },
  {
    name: "holdout-real-get-private-key-readme",
    description: "@probot/get-private-key's README: PEM headers in prose and a `-----BEGIN RSA PRIVATE KEY-----\\n...` placeholder.",
    languages: ["markdown"],
    after: { "README.md": "npm:@probot/get-private-key/README.md" },
    expected: [],
  },
  {
    name: "holdout-real-auth-app-readme",
    description: "@octokit/auth-app's README: a dozen `privateKey: \"-----BEGIN PRIVATE KEY-----\\n...\"` placeholders and sequential fake client secrets.",
    languages: ["markdown"],
    after: { "README.md": "npm:@octokit/auth-app/README.md" },
    expected: [],
  },
  {
    name: "holdout-real-auth-app-header-check",
    description: "@octokit/auth-app comparing an option with the PEM header line (a constant, not a key).",
    languages: ["javascript"],
    before: { "package.json": "npm:@octokit/auth-app/package.json" },
    after: { "src/get-app-authentication.js": "npm:@octokit/auth-app/dist-src/get-app-authentication.js" },
    expected: [missing],
  },
  {
    name: "holdout-real-dotenv-readme",
    description: "dotenv's README: a multi-line PRIVATE_KEY example whose body is `...` and `Kh9NV...`.",
    languages: ["markdown"],
    after: { "README.md": "npm:dotenv/README.md" },
    expected: [],
  },
  {
    name: "holdout-real-jwt-utils-and-test-keys",
    description: "universal-github-app-jwt: PEM header checks in lib/, and its test with three complete published test keys and a JWT.",
    languages: ["javascript"],
    before: { "package.json": "npm:universal-github-app-jwt/package.json" },
    after: { "lib/utils.js": "npm:universal-github-app-jwt/lib/utils.js", "test/node.test.js": "npm:universal-github-app-jwt/test/node.test.js" },
    expected: [
      { rule: "secrets/hardcoded", path: "test/node.test.js", line: 9 },
      { rule: "secrets/hardcoded", path: "test/node.test.js", line: 39 },
      { rule: "secrets/hardcoded", path: "test/node.test.js", line: 70 },
      { rule: "secrets/hardcoded", path: "test/node.test.js", line: 100 },
    ],
  },
  {
    name: "holdout-real-pem-key-file",
    description: "A complete RSA private key (universal-github-app-jwt's published test key) committed as a .pem file.",
    languages: ["pem"],
    after: { "config/github-app.private-key.pem": "lines:9-35:npm:universal-github-app-jwt/test/node.test.js" },
    transform: (files) => ({ ...files, "config/github-app.private-key.pem": files["config/github-app.private-key.pem"].replace(/^const \w+ = `/, "").replace(/`;\n$/, "\n") }),
    expected: [{ rule: "secrets/hardcoded", path: "config/github-app.private-key.pem", line: 1 }],
  },
  {
    name: "holdout-real-pem-key-in-source",
    description: "A complete PKCS#8 key in a template literal in application source (universal-github-app-jwt's published test key).",
    languages: ["javascript"],
    before: { "package.json": pkgJson("app") },
    after: { "src/app-key.js": "lines:39-66:npm:universal-github-app-jwt/test/node.test.js" },
    expected: [{ rule: "secrets/hardcoded", path: "src/app-key.js", line: 1 }, missing],
  },
  {
    name: "holdout-real-openssh-key-in-source",
    description: "A complete OpenSSH private key in a template literal in source (universal-github-app-jwt's published test key).",
    languages: ["javascript"],
    before: { "package.json": pkgJson("app") },
    after: { "src/deploy-key.js": "lines:70-96:npm:universal-github-app-jwt/test/node.test.js" },
    expected: [{ rule: "secrets/hardcoded", path: "src/deploy-key.js", line: 1 }, missing],
  },
  // ---- minified bundles shipped in packages
  ...[
    ["lodash-core", "npm:lodash/core.min.js", "public/js/lodash.core.min.js", "lodash core (29 lines, longest 850 characters)"],
    ["internmap", "npm:internmap/dist/internmap.min.js", "static/internmap.min.js", "internmap (longest line 1,249 characters)"],
    ["lru-min", "npm:lru.min/browser/lru.min.js", "assets/lru.min.js", "lru.min's browser build (one 2,255-character line)"],
    ["d3-path", "npm:d3-path/dist/d3-path.min.js", "public/d3-path.min.js", "d3-path (one 2,363-character line)"],
    ["orient2d", "npm:robust-predicates/umd/orient2d.min.js", "web/lib/orient2d.min.js", "robust-predicates orient2d (2,695 characters)"],
    ["obug", "npm:obug/dist/browser.min.js", "static/obug.min.js", "obug's browser build (3,168 characters, no final newline)"],
    ["d3-format", "npm:d3-format/dist/d3-format.min.js", "public/d3-format.min.js", "d3-format (5,143 characters)"],
  ].map(([name, src, dest, what]) => ({
    name: `holdout-real-minified-${name}`,
    description: `A minified bundle added to a web app: ${what}.`,
    languages: ["javascript"],
    after: { [dest]: src },
    expected: [minified(dest)],
  })),
  {
    name: "holdout-real-minified-unnamed-chunk",
    description: "A minified esbuild chunk from @prisma/dev without .min in its name (4,567-character line).",
    languages: ["javascript"],
    after: { "app/static/chunk-kwcqypji.js": "npm:@prisma/dev/dist/chunk-KWCQYPJI.js" },
    expected: [minified("app/static/chunk-kwcqypji.js")],
  },
  {
    name: "holdout-real-unminified-d3-path",
    description: "d3-path's readable UMD build (not minified) added under dist/.",
    languages: ["javascript"],
    after: { "dist/d3-path.js": "npm:d3-path/dist/d3-path.js" },
    expected: [],
  },
  {
    name: "holdout-real-unminified-long-doc-lines",
    description: "effect's compiled Layer.js: readable code with a few long JSDoc lines (up to 1,820 characters), not minified.",
    languages: ["javascript"],
    after: { "dist/cjs/Layer.js": "npm:effect/dist/cjs/Layer.js" },
    expected: [],
  },
  // ---- deep clones are not I/O
  {
    name: "holdout-real-retry-operation",
    description: "retry's RetryOperation with its tests: JSON.parse(JSON.stringify(timeouts)) deep clone, console.log deprecation notices.",
    languages: ["javascript"],
    before: { "package.json": "npm:retry/package.json" },
    after: {
      "lib/retry_operation.js": "npm:retry/lib/retry_operation.js",
      "test/integration/test-retry-operation.js": "npm:retry/test/integration/test-retry-operation.js",
      "test/common.js": "npm:retry/test/common.js",
    },
    expected: [],
  },
  {
    name: "holdout-real-ioredis-subscriber-group",
    description: "ioredis' ClusterSubscriberGroup (compiled): a JSON.parse(JSON.stringify(slots)) deep clone.",
    languages: ["javascript"],
    before: { "package.json": "npm:ioredis/package.json" },
    after: { "built/cluster/ClusterSubscriberGroup.js": "npm:ioredis/built/cluster/ClusterSubscriberGroup.js" },
    expected: [],
  },
  {
    name: "holdout-real-redact-comparison-test",
    description: "@pinojs/redact's index with its comparison test, which deep-clones with JSON.parse(JSON.stringify(...)).",
    languages: ["javascript"],
    before: { "package.json": "npm:@pinojs/redact/package.json" },
    after: {
      "index.js": "npm:@pinojs/redact/index.js",
      "test/actual-redact-comparison.test.js": "npm:@pinojs/redact/test/actual-redact-comparison.test.js",
    },
    expected: [],
  },
  // ---- examples/ are scripts
  ...[
    ["pino-basic", "npm:pino/examples/basic.js", "examples/basic.js", "pino"],
    ["pino-transport", "npm:pino/examples/transport.js", "examples/transport.js", "pino"],
    ["npx-import-cowsay", "npm:npx-import-light/examples/cowsay.js", "examples/cowsay.js", "npx-import-light"],
    ["process-warning", "npm:process-warning/examples/example.js", "examples/example.js", "process-warning"],
    ["minimist-parse", "npm:minimist/example/parse.js", "example/parse.js", "minimist"],
  ].map(([name, src, dest, pkg]) => ({
    name: `holdout-real-example-${name}`,
    description: `${pkg}'s example script added under ${dest.split("/")[0]}/ (prints by design, needs no tests).`,
    languages: ["javascript"],
    before: { "package.json": pkgJson(pkg, { [pkg]: "*" }) },
    after: { [dest]: src },
    expected: [],
  })),
  // ---- Python command-line entry points print by design
  ...[
    ["timeit", "timeit.py", []],
    ["tabnanny", "tabnanny.py", []],
    ["base64", "base64.py", [{ rule: "io/unhandled", path: "src/pytool/base64.py", line: 590 }]],
    ["json-tool", "json/tool.py", []],
    ["quopri", "quopri.py", []],
    ["py-compile", "py_compile.py", []],
  ].map(([name, rel, extra]) => {
    const dest = `src/pytool/${rel.replace("json/", "json_")}`;
    const module = `pytool.${dest.split("/").at(-1).replace(/\.py$/, "")}`;
    return {
      name: `holdout-real-py-cli-${name}`,
      description: `CPython's ${rel} (def main, if __name__ == "__main__") added as a console script declared in [project.scripts].`,
      languages: ["python"],
      before: { "pyproject.toml": pyproject("pytool", module), "src/pytool/__init__.py": "text:" },
      after: { [dest]: `py:${rel}` },
      expected: [missing, ...extra],
    };
  }),
  {
    name: "holdout-real-py-textwrap",
    description: "CPython's textwrap.py: a library module whose __main__ block prints a demo.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject("textkit", "textkit.textwrap") },
    after: { "textkit/textwrap.py": "py:textwrap.py" },
    expected: [missing],
  },
  {
    name: "holdout-real-py-shlex",
    description: "CPython's shlex.py: debug output behind self.debug, open() in sourcehook and in the __main__ block.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject("lexkit", "lexkit.shlex") },
    after: { "lexkit/shlex.py": "py:shlex.py" },
    expected: [missing, { rule: "io/unhandled", path: "lexkit/shlex.py", line: 286 }, { rule: "io/unhandled", path: "lexkit/shlex.py", line: 349 }],
  },
  {
    name: "holdout-real-py-library-modules",
    description: "CPython's colorsys.py, bisect.py and fnmatch.py added to a package (plain library code).",
    languages: ["python"],
    before: { "pyproject.toml": pyproject("mathkit", "mathkit.colorsys") },
    after: { "mathkit/colorsys.py": "py:colorsys.py", "mathkit/bisect.py": "py:bisect.py", "mathkit/fnmatch.py": "py:fnmatch.py" },
    expected: [missing],
  },
  {
    name: "holdout-real-py-graphlib-sched",
    description: "CPython's graphlib.py and sched.py added to a package.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject("schedkit", "schedkit.sched") },
    after: { "schedkit/graphlib.py": "py:graphlib.py", "schedkit/sched.py": "py:sched.py" },
    expected: [missing],
  },
  {
    name: "holdout-real-py-generated-keyword",
    description: "CPython's keyword.py, a generated file (\"This file is automatically generated\").",
    languages: ["python"],
    before: { "pyproject.toml": pyproject("kw", "kw.keyword") },
    after: { "kw/keyword.py": "py:keyword.py" },
    expected: [],
  },
  {
    name: "holdout-real-py-test-support",
    description: "CPython's test/test_support.py: a large real test module.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject("support", "support.main") },
    after: { "tests/test_support.py": "py:test/test_support.py" },
    expected: [],
  },
  // ---- clean JavaScript modules with their tests
  ...[
    ["safe-regex2", { "index.js": "npm:safe-regex2/index.js", "test/regex.test.js": "npm:safe-regex2/test/regex.test.js" }],
    ["isexe", { "index.js": "npm:isexe/index.js", "mode.js": "npm:isexe/mode.js", "windows.js": "npm:isexe/windows.js", "test/basic.js": "npm:isexe/test/basic.js" }],
    ["quick-format-unescaped", { "index.js": "npm:quick-format-unescaped/index.js", "test/index.js": "npm:quick-format-unescaped/test/index.js" }],
    ["json-stringify-safe", { "stringify.js": "npm:json-stringify-safe/stringify.js", "test/stringify_test.js": "npm:json-stringify-safe/test/stringify_test.js" }],
    ["on-exit-leak-free", { "index.js": "npm:on-exit-leak-free/index.js", "test/base.test.js": "npm:on-exit-leak-free/test/base.test.js" }],
    ["process-warning", { "index.js": "npm:process-warning/index.js", "test/index.test.js": "npm:process-warning/test/index.test.js", "test/emit-once-only.test.js": "npm:process-warning/test/emit-once-only.test.js" }],
    ["minimist", { "index.js": "npm:minimist/index.js", "test/parse.js": "npm:minimist/test/parse.js", "test/bool.js": "npm:minimist/test/bool.js" }],
    ["pino-std-serializers", { "lib/err.js": "npm:pino-std-serializers/lib/err.js", "lib/req.js": "npm:pino-std-serializers/lib/req.js", "test/err.test.js": "npm:pino-std-serializers/test/err.test.js", "test/req.test.js": "npm:pino-std-serializers/test/req.test.js" }],
  ].map(([pkg, after]) => ({
    name: `holdout-real-clean-${pkg}`,
    description: `${pkg}'s source with its tests, as published on npm.`,
    languages: ["javascript"],
    before: { "package.json": `npm:${pkg}/package.json` },
    after,
    expected: [],
  })),
  {
    name: "holdout-real-secure-json-parse",
    description: "secure-json-parse with its tests: parse() lets JSON.parse's SyntaxError propagate by contract.",
    languages: ["javascript"],
    before: { "package.json": "npm:secure-json-parse/package.json" },
    after: { "index.js": "npm:secure-json-parse/index.js", "test/index.test.js": "npm:secure-json-parse/test/index.test.js" },
    expected: [],
  },
];

const MANIFEST = /(^|\/)(package\.json|pyproject\.toml|requirements[^/]*\.txt|setup\.cfg|setup\.py|Pipfile|go\.mod)$/;
/** The real-key diffs are stored encoded: a PEM body, a JWT. */
const CREDENTIAL_SHAPED = /-----BEGIN [A-Z ]*PRIVATE KEY-----\n[A-Za-z0-9+/=]{40,}|eyJ[A-Za-z0-9_-]{8,}\.eyJ/;

function listFiles(dir, prefix = "") {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === ".git") continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listFiles(full, `${prefix}${name}/`));
    else out.push(`${prefix}${name}`);
  }
  return out.sort();
}

function writeTree(dir, files) {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
}

const written = [];
for (const c of CASES) {
  const out = path.join(corpus, c.name);
  if (existsSync(out)) {
    if (!force) continue;
    rmSync(out, { recursive: true });
  }
  const origins = [];
  const load = (files) =>
    Object.fromEntries(
      Object.entries(files ?? {}).map(([dest, spec]) => {
        const s = source(spec);
        if (s.origin) origins.push(`${dest} <- ${s.origin}`);
        return [dest, s.text];
      }),
    );
  const before = load(c.before);
  let after = { ...before, ...load(c.after) };
  if (c.transform) after = c.transform(after);
  const work = mkdtempSync(path.join(os.tmpdir(), "qa-case-"));
  try {
    writeTree(path.join(work, "before"), before);
    mkdirSync(path.join(work, "before"), { recursive: true });
    writeTree(path.join(work, "after"), after);
    execFileSync(path.join(here, "make-case.sh"), [c.name, path.join(work, "before"), path.join(work, "after"), c.description, ...c.languages], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const changed = Object.keys(after).filter((p) => before[p] !== after[p]);
  const label = {
    description: c.description,
    languages: c.languages,
    source: origins,
    ...(Object.keys(after).some((p) => MANIFEST.test(p))
      ? { manifests: Object.fromEntries(Object.entries(after).filter(([p]) => MANIFEST.test(p))) }
      : {}),
    repoFiles: Object.keys(after).sort(),
    fileSizes: Object.fromEntries(changed.map((p) => [p, Buffer.byteLength(after[p], "utf8")])),
    fileHeads: Object.fromEntries(changed.map((p) => [p, after[p].split("\n").slice(0, 15).join("\n")])),
    expected: c.expected,
  };
  writeFileSync(path.join(out, "case.json"), `${JSON.stringify(label, null, 2)}\n`);
  const diff = readFileSync(path.join(out, "change.diff"), "utf8");
  if (CREDENTIAL_SHAPED.test(diff) || Object.values(label.fileHeads).some((h) => CREDENTIAL_SHAPED.test(h))) {
    // The diff holds real (published) keys: store it encoded, and leave out the file heads that would repeat them.
    writeFileSync(path.join(out, "change.diff.b64"), `${Buffer.from(diff, "utf8").toString("base64").replace(/.{76}/g, "$&\n")}\n`);
    rmSync(path.join(out, "change.diff"));
    delete label.fileHeads;
    writeFileSync(path.join(out, "case.json"), `${JSON.stringify(label, null, 2)}\n`);
  }
  written.push(c.name);
}
process.stdout.write(`wrote ${written.length} case(s): ${written.join(", ") || "(none; use --force to rewrite)"}\n`);
