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
 * A case whose diff holds a real key (published test keys) or a token-shaped placeholder is stored base64-encoded as change.diff.b64,
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
const DIST = "/usr/lib/python3/dist-packages";
/** Round 4: the distributions of the dist-packages used, with their licence (from their PKG-INFO). */
const DIST_PACKAGES = {
  toml: "toml 0.10.2 (MIT)",
  xmltodict: "xmltodict 0.13.0 (MIT)",
  jwt: "PyJWT 2.6.0 (MIT)",
  oauthlib: "oauthlib 3.2.2 (BSD-3-Clause)",
  httplib2: "httplib2 0.20.4 (MIT)",
  // Round 5.
  distro: "distro 1.8.0 (Apache-2.0)",
  six: "six 1.16.0 (MIT)",
  yq: "yq 3.1.0 (Apache-2.0)",
  pygments: "Pygments 2.14.0 (BSD-2-Clause)",
};
/** Round 4: files under /usr/share, by the Debian package that ships them and its licence. */
const SHARE = {
  "/usr/share/git-core/templates/hooks/": "git 2.39 sample hooks (GPL-2.0)",
  "/usr/share/postgresql/15/": "PostgreSQL 15 sample configuration (PostgreSQL Licence)",
  // Round 5.
  "/usr/share/doc/socat/examples/": "socat 1.7 examples (GPL-2.0)",
  "/usr/share/doc/mosquitto/examples/": "mosquitto example configuration (EPL-2.0 or EDL-1.0)",
  "/usr/share/doc/rsync/examples/": "rsync example configuration (GPL-3.0+)",
  "/usr/share/doc/python3-yaml/examples/": "PyYAML 6.0 examples (MIT)",
};
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
    // A package nested in another's node_modules/: name the innermost one.
    const nest = rel.lastIndexOf("/node_modules/");
    const base = nest >= 0 ? rel.slice(0, nest + "/node_modules/".length) : "";
    const inner = rel.slice(base.length);
    const parts = inner.split("/");
    const pkg = inner.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
    const manifest = JSON.parse(readFileSync(path.join(NM, base, pkg, "package.json"), "utf8"));
    text = readFileSync(path.join(NM, rel), "utf8");
    origin = `npm ${pkg}@${manifest.version}: ${inner.slice(pkg.length + 1)} (${manifest.license ?? "see package"})`;
  } else if (spec.startsWith("dist:")) {
    // Debian's python3 packages in /usr/lib/python3/dist-packages (round 4).
    const rel = spec.slice(5);
    const top = rel.split("/")[0].replace(/\.py$/, "");
    const dist = DIST_PACKAGES[top];
    if (!dist) throw new Error(`no licence recorded for dist-packages/${top}`);
    text = readFileSync(path.join(DIST, rel), "utf8");
    origin = `${dist}: ${rel} (Debian python3 package in /usr/lib/python3/dist-packages)`;
  } else if (spec.startsWith("share:")) {
    // Files shipped by Debian packages under /usr/share (round 4).
    const file = spec.slice(6);
    const owner = Object.entries(SHARE).find(([prefix]) => file.startsWith(prefix));
    if (!owner) throw new Error(`no licence recorded for ${file}`);
    text = readFileSync(file, "utf8");
    origin = `${owner[1]}: ${file}`;
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


/** Replace exact text in the after tree (for the problems added to real files in round 4); each `from` must occur once. */
const edit = (file, ...pairs) => (files) => {
  let text = files[file];
  for (const [from, to] of pairs) {
    if (text.split(from).length !== 2) throw new Error(`${file}: "${from.slice(0, 40)}" must occur exactly once`);
    text = text.replace(from, () => to);
  }
  return { ...files, [file]: text };
};
const pyproject4 = (name, deps = [], script) =>
  `text:[project]\nname = "${name}"\nversion = "1.0.0"\nrequires-python = ">=3.9"\ndependencies = [${deps.map((d) => `"${d}"`).join(", ")}]\n` +
  (script ? `\n[project.scripts]\n${name} = "${script}"\n` : "");

/**
 * Round 4 (issue 12, second held-out round): written and labelled on 2026-12-07 from reading the files, before the
 * analyzers ran on them and before the precision changes that follow round 3. Most are clean changes a maintainer
 * would accept; the problems (debug leftovers, unhandled I/O, weakened tests, undeclared dependencies, fake secrets,
 * conflict markers, a stale lockfile, a hand-edited generated file, minified bundles) are real files, some with a
 * small edit (the `transform`) that introduces the problem.
 */
const ROUND4 = [
  // ---- clean JavaScript: modules with their tests, examples, test-only changes
  {
    name: "holdout-r4-clean-redis-info",
    description: "redis-info with its test, fixtures, readme and example (which loads `redis` only when installed, else a stub).",
    languages: ["javascript", "markdown"],
    before: { "package.json": "npm:redis-info/package.json" },
    after: {
      "index.js": "npm:redis-info/index.js",
      "test/redis-info.test.js": "npm:redis-info/test/redis-info.test.js",
      "test/fixtures/index.js": "npm:redis-info/test/fixtures/index.js",
      "test/fixtures/parsed_info_output.js": "npm:redis-info/test/fixtures/parsed_info_output.js",
      "example/redis_info.js": "npm:redis-info/example/redis_info.js",
      "readme.md": "npm:redis-info/readme.md",
    },
    expected: [],
  },
  {
    name: "holdout-r4-clean-fast-uri-skipped-tests",
    description: "fast-uri's source with its uri-js tests, added whole; a dozen `{ skip: true }` tests and `t.skip` for unsupported inputs.",
    languages: ["javascript"],
    before: { "package.json": "npm:fast-uri/package.json" },
    after: {
      "index.js": "npm:fast-uri/index.js",
      "lib/schemes.js": "npm:fast-uri/lib/schemes.js",
      "lib/utils.js": "npm:fast-uri/lib/utils.js",
      "test/uri-js.test.js": "npm:fast-uri/test/uri-js.test.js",
      "test/uri-js-compatibility.test.js": "npm:fast-uri/test/uri-js-compatibility.test.js",
    },
    expected: [],
  },
  {
    name: "holdout-r4-clean-dunder-proto",
    description: "dunder-proto's get/set with tape tests skipped by feature detection (`{ skip: !setDunderProto }`).",
    languages: ["javascript"],
    before: { "package.json": "npm:dunder-proto/package.json" },
    after: {
      "get.js": "npm:dunder-proto/get.js",
      "set.js": "npm:dunder-proto/set.js",
      "test/get.js": "npm:dunder-proto/test/get.js",
      "test/set.js": "npm:dunder-proto/test/set.js",
      "test/index.js": "npm:dunder-proto/test/index.js",
    },
    expected: [],
  },
  {
    name: "holdout-r4-clean-propagate",
    description: "propagate's source with its tap tests.",
    languages: ["javascript"],
    before: { "package.json": "npm:propagate/package.json" },
    after: { "index.js": "npm:propagate/index.js", "tests/index.js": "npm:propagate/tests/index.js" },
    expected: [],
  },
  {
    name: "holdout-r4-clean-pino-pretty-utils",
    description: "pino-pretty's log-filter helpers with their colocated node:test tests.",
    languages: ["javascript"],
    before: { "package.json": "npm:pino-pretty/package.json", "lib/constants.js": "npm:pino-pretty/lib/constants.js" },
    after: Object.fromEntries(
      ["filter-log", "get-property-value", "delete-log-property", "split-property-key"].flatMap((n) => [
        [`lib/utils/${n}.js`, `npm:pino-pretty/lib/utils/${n}.js`],
        [`lib/utils/${n}.test.js`, `npm:pino-pretty/lib/utils/${n}.test.js`],
      ]),
    ),
    expected: [],
  },
  {
    name: "holdout-r4-clean-sonic-boom-tests",
    description: "sonic-boom: only tests added (they write and read temp files, and log a cleanup error).",
    languages: ["javascript"],
    before: { "package.json": "npm:sonic-boom/package.json", "index.js": "npm:sonic-boom/index.js" },
    after: {
      "test/helper.js": "npm:sonic-boom/test/helper.js",
      "test/fsync.test.js": "npm:sonic-boom/test/fsync.test.js",
      "test/write.test.js": "npm:sonic-boom/test/write.test.js",
    },
    expected: [],
  },
  {
    name: "holdout-r4-clean-thread-stream-tests",
    description: "thread-stream: only node:test tests added, one logging the error it tolerates.",
    languages: ["javascript"],
    before: { "package.json": "npm:thread-stream/package.json", "index.js": "npm:thread-stream/index.js" },
    after: {
      "test/helper.js": "npm:thread-stream/test/helper.js",
      "test/bundlers.test.js": "npm:thread-stream/test/bundlers.test.js",
      "test/context.test.js": "npm:thread-stream/test/context.test.js",
      "test/event.test.js": "npm:thread-stream/test/event.test.js",
    },
    expected: [],
  },
  {
    name: "holdout-r4-example-bintrees",
    description: "bintrees' Node example added under examples/ (prints by design).",
    languages: ["javascript"],
    before: { "package.json": "npm:bintrees/package.json" },
    after: { "examples/node.js": "npm:bintrees/examples/node.js" },
    expected: [],
  },
  {
    name: "holdout-r4-debug-src-deprecation-notices",
    description: "debug's src/ (browser, node, common, index): console.warn deprecation notices, `exports.log = console.debug || console.log`, an optional supports-color require in try; no tests.",
    languages: ["javascript"],
    before: { "package.json": "npm:debug/package.json" },
    after: {
      "src/browser.js": "npm:debug/src/browser.js",
      "src/common.js": "npm:debug/src/common.js",
      "src/node.js": "npm:debug/src/node.js",
      "src/index.js": "npm:debug/src/index.js",
    },
    expected: [missing],
  },
  {
    name: "holdout-r4-clean-json-with-bigint",
    description: "json-with-bigint: its source, the auto-generated CommonJS build (a JSON parser that throws by contract) and its unit tests.",
    languages: ["javascript"],
    before: { "package.json": "npm:json-with-bigint/package.json" },
    after: {
      "json-with-bigint.js": "npm:json-with-bigint/json-with-bigint.js",
      "json-with-bigint.cjs": "npm:json-with-bigint/json-with-bigint.cjs",
      "__tests__/unit.cjs": "npm:json-with-bigint/__tests__/unit.cjs",
      "__tests__/helpers.cjs": "npm:json-with-bigint/__tests__/helpers.cjs",
    },
    expected: [],
  },
  {
    name: "holdout-r4-docs-pino-transports",
    description: "pino's transports.md: config examples with placeholders (`password: 'your-password'`, `token: 'YOUR-TOKEN'`, `redis://username:password@localhost`, `--apiKey 1234567890`).",
    languages: ["markdown"],
    after: { "docs/transports.md": "npm:pino/docs/transports.md" },
    expected: [],
  },
  {
    name: "holdout-r4-docs-socks",
    description: "socks' docs: API reference and JavaScript/TypeScript examples with proxy options.",
    languages: ["markdown"],
    after: {
      "docs/index.md": "npm:socks/docs/index.md",
      "docs/examples/index.md": "npm:socks/docs/examples/index.md",
      "docs/examples/javascript/connectExample.md": "npm:socks/docs/examples/javascript/connectExample.md",
      "docs/examples/typescript/associateExample.md": "npm:socks/docs/examples/typescript/associateExample.md",
    },
    expected: [],
  },
  {
    name: "holdout-r4-octokit-auth-token-readme",
    description: "@octokit/auth-token's README: `ghp_PersonalAccessToken01245678900000000`-style placeholders (valid token shape, obviously not tokens).",
    languages: ["markdown"],
    after: { "README.md": "npm:@octokit/auth-token/README.md" },
    expected: [],
  },
  {
    name: "holdout-r4-octokit-auth-probot-readme",
    description: "octokit-auth-probot's README: `token: \"secret 123\"` and other placeholder options.",
    languages: ["markdown"],
    after: { "README.md": "npm:octokit-auth-probot/README.md" },
    expected: [],
  },
  {
    name: "holdout-r4-types-declarations",
    description: "Type declarations (@types/qs, @types/range-parser) vendored under types/.",
    languages: ["typescript"],
    before: { "package.json": pkgJson("web") },
    after: { "types/qs/index.d.ts": "npm:@types/qs/index.d.ts", "types/range-parser/index.d.ts": "npm:@types/range-parser/index.d.ts" },
    expected: [],
  },
  {
    name: "holdout-r4-vitest-tests-no-manifest",
    description: "pglite-tools' vitest tests and config in a folder with no manifest (the test framework and the package under test are not declared here).",
    languages: ["typescript"],
    after: {
      "tests/setup.ts": "npm:@prisma/dev/node_modules/@electric-sql/pglite-tools/tests/setup.ts",
      "tests/pg_dump.test.ts": "npm:@prisma/dev/node_modules/@electric-sql/pglite-tools/tests/pg_dump.test.ts",
      "vitest.config.ts": "npm:@prisma/dev/node_modules/@electric-sql/pglite-tools/vitest.config.ts",
    },
    expected: [],
  },
  {
    name: "holdout-r4-git-hook-samples",
    description: "git's sample hooks (shell and Perl scripts that echo and exit) committed under hooks/.",
    languages: ["shell"],
    after: {
      "hooks/pre-commit.sample": "share:/usr/share/git-core/templates/hooks/pre-commit.sample",
      "hooks/pre-push.sample": "share:/usr/share/git-core/templates/hooks/pre-push.sample",
      "hooks/commit-msg.sample": "share:/usr/share/git-core/templates/hooks/commit-msg.sample",
      "hooks/fsmonitor-watchman.sample": "share:/usr/share/git-core/templates/hooks/fsmonitor-watchman.sample",
    },
    expected: [],
  },
  {
    name: "holdout-r4-postgres-conf-samples",
    description: "PostgreSQL's sample configuration (postgresql.conf, pg_hba.conf) with its commented password settings.",
    languages: ["ini"],
    after: {
      "config/postgresql.conf": "share:/usr/share/postgresql/15/postgresql.conf.sample",
      "config/pg_hba.conf": "share:/usr/share/postgresql/15/pg_hba.conf.sample",
    },
    expected: [],
  },
  {
    name: "holdout-r4-which-bin",
    description: "which's command-line script bin/node-which (prints results and usage), no tests.",
    languages: ["javascript"],
    before: { "package.json": "npm:which/package.json", "which.js": "npm:which/which.js" },
    after: { "bin/node-which": "npm:which/bin/node-which" },
    expected: [missing],
  },
  // ---- clean Python: library modules, generated files, CLIs
  {
    name: "holdout-r4-py-calendar",
    description: "CPython's calendar.py: prweek/prmonth/pryear print by design; a main(args) entry point.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("calkit", [], "calkit.calendar:main"), "calkit/__init__.py": "text:" },
    after: { "calkit/calendar.py": "py:calendar.py" },
    expected: [missing],
  },
  {
    name: "holdout-r4-py-netrc",
    description: "CPython's netrc.py: parses login/password entries; raises when the file is missing, by contract.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("netkit"), "netkit/__init__.py": "text:" },
    after: { "netkit/netrc.py": "py:netrc.py" },
    expected: [missing],
  },
  {
    name: "holdout-r4-py-generated-codecs",
    description: "CPython's cp1252 and cp1250 codecs, generated by gencodec.py (the marker is in the module docstring).",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("codecs-extra"), "codecs_extra/__init__.py": "text:" },
    after: { "codecs_extra/cp1252.py": "py:encodings/cp1252.py", "codecs_extra/cp1250.py": "py:encodings/cp1250.py" },
    expected: [],
  },
  {
    name: "holdout-r4-py-generated-token",
    description: "CPython's token.py (\"# Auto-generated by Tools/scripts/generate_token.py\") added whole.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("lexer") },
    after: { "lexer/token.py": "py:token.py" },
    expected: [],
  },
  {
    name: "holdout-r4-py-jwt-algorithms",
    description: "PyJWT's algorithms.py and utils.py: `\"-----BEGIN PUBLIC\" in str_key` checks and PEM header constants, json.loads inside try.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("pyjwt-lite", ["cryptography>=3.4"]), "jwt/__init__.py": "text:" },
    after: { "jwt/algorithms.py": "dist:jwt/algorithms.py", "jwt/utils.py": "dist:jwt/utils.py", "jwt/exceptions.py": "dist:jwt/exceptions.py" },
    expected: [missing],
  },
  {
    name: "holdout-r4-py-oauthlib-tokens",
    description: "oauthlib's OAuth2 tokens and parameters with RFC 6749 example tokens in docstrings (`access_token=h480djs93hd8`, a MAC example).",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("oauthlib", ["blinker"]) },
    after: {
      "oauthlib/__init__.py": "dist:oauthlib/__init__.py",
      "oauthlib/common.py": "dist:oauthlib/common.py",
      "oauthlib/signals.py": "dist:oauthlib/signals.py",
      "oauthlib/oauth2/rfc6749/tokens.py": "dist:oauthlib/oauth2/rfc6749/tokens.py",
      "oauthlib/oauth2/rfc6749/parameters.py": "dist:oauthlib/oauth2/rfc6749/parameters.py",
      "oauthlib/oauth2/rfc6749/utils.py": "dist:oauthlib/oauth2/rfc6749/utils.py",
      "oauthlib/oauth2/rfc6749/errors.py": "dist:oauthlib/oauth2/rfc6749/errors.py",
    },
    expected: [missing],
  },
  {
    name: "holdout-r4-py-toml-decoder",
    description: "toml's decoder: a parser whose load() documents that it raises on a missing file or bad TOML.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("toml"), "toml/__init__.py": "text:" },
    after: { "toml/decoder.py": "dist:toml/decoder.py", "toml/tz.py": "dist:toml/tz.py" },
    expected: [missing],
  },
  {
    name: "holdout-r4-py-xmltodict",
    description: "xmltodict.py: a library module whose __main__ block streams stdin to stdout.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("xmltodict") },
    after: { "xmltodict.py": "dist:xmltodict.py" },
    expected: [missing],
  },
  // ---- problems in real files
  {
    name: "holdout-r4-ejs-cli-unhandled-io",
    description: "ejs' bin/cli.js: reads the data file and template named on the command line, JSON.parse of user input and writeFileSync, none handled.",
    languages: ["javascript"],
    before: { "package.json": "npm:ejs/package.json" },
    after: { "bin/cli.js": "npm:ejs/bin/cli.js" },
    expected: [
      missing,
      { rule: "io/unhandled", path: "bin/cli.js", line: 193 },
      { rule: "io/unhandled", path: "bin/cli.js", line: 197 },
      { rule: "io/unhandled", path: "bin/cli.js", line: 206 },
      { rule: "io/unhandled", path: "bin/cli.js", line: 209 },
    ],
  },
  {
    name: "holdout-r4-debug-console-log-fast-uri",
    description: "fast-uri's parse() with a console.log of every parsed URI left in (library code).",
    languages: ["javascript"],
    before: { "package.json": "npm:fast-uri/package.json", "index.js": "npm:fast-uri/index.js", "test/parse.test.js": "npm:fast-uri/test/parse.test.js" },
    after: {},
    transform: edit("index.js", [
      "function parse (uri, opts) {\n  return parseWithStatus(uri, opts).parsed\n}",
      "function parse (uri, opts) {\n  const result = parseWithStatus(uri, opts)\n  console.log('fast-uri parse', uri, result)\n  return result.parsed\n}",
    ]),
    expected: [missing, { rule: "debug/leftover", path: "index.js", line: 651 }],
  },
  {
    name: "holdout-r4-debug-pprint-toml-encoder",
    description: "toml's encoder with a `pprint(sections)` left in dumps().",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("toml"), "toml/__init__.py": "text:", "toml/encoder.py": "dist:toml/encoder.py" },
    after: {},
    transform: edit(
      "toml/encoder.py",
      ["from decimal import Decimal\n", "from decimal import Decimal\nfrom pprint import pprint\n"],
      ['    addtoretval, sections = encoder.dump_sections(o, "")\n', '    addtoretval, sections = encoder.dump_sections(o, "")\n    pprint(sections)\n'],
    ),
    expected: [missing, { rule: "debug/leftover", path: "toml/encoder.py", line: 62 }],
  },
  {
    name: "holdout-r4-debug-breakpoint-xmltodict",
    description: "xmltodict's parse() with a breakpoint() left before it returns.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("xmltodict"), "xmltodict.py": "dist:xmltodict.py" },
    after: {},
    transform: edit("xmltodict.py", ["    return handler.item\n", "    breakpoint()\n    return handler.item\n"]),
    expected: [missing, { rule: "debug/leftover", path: "xmltodict.py", line: 379 }],
  },
  {
    name: "holdout-r4-weakened-propagate-assertions",
    description: "propagate's tests: two assertions on the propagated arguments removed and the plan lowered to match.",
    languages: ["javascript"],
    before: { "package.json": "npm:propagate/package.json", "index.js": "npm:propagate/index.js", "tests/index.js": "npm:propagate/tests/index.js" },
    after: {},
    transform: edit("tests/index.js", ["  t.plan(16)\n", "  t.plan(14)\n"], ["    t.equal(b, 'b')\n    t.equal(c, undefined)\n", ""]),
    expected: [{ rule: "tests/weakened", path: "tests/index.js", line: "any" }],
  },
  {
    name: "holdout-r4-weakened-bottleneck-skip",
    description: "bottleneck's retry test for async jobs switched to it.skip.",
    languages: ["javascript"],
    before: { "package.json": "npm:bottleneck/package.json", "test/retries.js": "npm:bottleneck/test/retries.js" },
    after: {},
    transform: edit("test/retries.js", ["  it('Should retry when requested by the user (async)'", "  it.skip('Should retry when requested by the user (async)'"]),
    expected: [{ rule: "tests/weakened", path: "test/retries.js", line: 48 }],
  },
  {
    name: "holdout-r4-weakened-fast-uri-only",
    description: "fast-uri's parse test focused with test.only (tape), so the file's other tests stop running.",
    languages: ["javascript"],
    before: { "package.json": "npm:fast-uri/package.json", "test/parse.test.js": "npm:fast-uri/test/parse.test.js" },
    after: {},
    transform: edit("test/parse.test.js", ["test('URI parse', (t) => {", "test.only('URI parse', (t) => {"]),
    expected: [{ rule: "tests/weakened", path: "test/parse.test.js", line: 6 }],
  },
  {
    name: "holdout-r4-deps-undeclared-httplib2-auth",
    description: "httplib2's auth.py (imports pyparsing) added to a project whose pyproject declares no dependencies.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("httpkit"), "httpkit/__init__.py": "text:" },
    after: { "httpkit/auth.py": "dist:httplib2/auth.py", "httpkit/error.py": "dist:httplib2/error.py" },
    expected: [missing, { rule: "deps/undeclared", path: "httpkit/auth.py", line: 4 }],
  },
  {
    name: "holdout-r4-deps-undeclared-dateformat",
    description: "pino-pretty's time formatting helpers (require dateformat) with their tests, added to a package that declares no dependencies.",
    languages: ["javascript"],
    before: { "package.json": pkgJson("log-pretty") },
    after: {
      "lib/constants.js": "npm:pino-pretty/lib/constants.js",
      ...Object.fromEntries(
        ["format-time", "create-date", "is-valid-date", "prettify-time", "strip-unsafe-control-chars"].flatMap((n) => [
          [`lib/utils/${n}.js`, `npm:pino-pretty/lib/utils/${n}.js`],
          [`lib/utils/${n}.test.js`, `npm:pino-pretty/lib/utils/${n}.test.js`],
        ]),
      ),
    },
    expected: [{ rule: "deps/undeclared", path: "lib/utils/format-time.js", line: 10 }],
  },
  {
    name: "holdout-r4-secret-redis-url-in-example",
    description: "redis-info's example switched to a hosted Redis with the password written into the URL.",
    languages: ["javascript"],
    before: { "package.json": "npm:redis-info/package.json", "index.js": "npm:redis-info/index.js", "example/redis_info.js": "npm:redis-info/example/redis_info.js" },
    after: {},
    transform: edit("example/redis_info.js", [
      "require('redis').createClient()",
      "require('redis').createClient({ url: 'redis://default:⟪fake||32|alnum⟫@redis-14321.c9.us-east-1-2.ec2.redns.redis-cloud.com:14321' })",
    ]),
    expected: [{ rule: "secrets/hardcoded", path: "example/redis_info.js", line: 14 }],
  },
  {
    name: "holdout-r4-secret-pg-service-password",
    description: "PostgreSQL's pg_service.conf sample with a real service entry appended, its password in clear.",
    languages: ["ini"],
    before: { "config/pg_service.conf": "share:/usr/share/postgresql/15/pg_service.conf.sample" },
    after: {},
    transform: edit("config/pg_service.conf", [
      "#user=postgres\n",
      "#user=postgres\n\n[billing]\nhost=db.internal.example.com\nport=5432\ndbname=billing\nuser=billing_app\npassword=⟪fake||24|alnum⟫\n",
    ]),
    expected: [{ rule: "secrets/hardcoded", path: "config/pg_service.conf", line: 24 }],
  },
  {
    name: "holdout-r4-conflict-redis-info-readme",
    description: "redis-info's readme with an unresolved merge conflict in the install instructions.",
    languages: ["markdown"],
    before: { "readme.md": "npm:redis-info/readme.md" },
    after: {},
    transform: edit("readme.md", [
      "```bash\nnpm install redis-info\n```\n",
      "<<<<<<< HEAD\n```bash\nnpm install redis-info\n```\n=======\n```bash\nnpm install --save redis-info\n```\n>>>>>>> docs/install\n",
    ]),
    expected: [{ rule: "conflict/markers", path: "readme.md", line: 13 }],
  },
  {
    name: "holdout-r4-lockfile-stale-pino-pretty",
    description: "pino-pretty's package.json: dateformat bumped a major version, package-lock.json left as it was.",
    languages: ["json"],
    before: {
      "package.json": "npm:pino-pretty/package.json",
      "package-lock.json": `text:${JSON.stringify({ name: "pino-pretty", lockfileVersion: 3, requires: true, packages: {} }, null, 2)}\n`,
    },
    after: {},
    transform: edit("package.json", ['"dateformat": "^4.6.3"', '"dateformat": "^5.0.3"']),
    expected: [{ rule: "deps/lockfile-mismatch", path: "package.json", line: 35 }],
  },
  {
    name: "holdout-r4-generated-token-edited",
    description: "CPython's generated token.py (\"Auto-generated by Tools/scripts/generate_token.py\") edited by hand.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("lexer"), "lexer/token.py": "py:token.py" },
    after: {},
    transform: edit("lexer/token.py", ["NT_OFFSET = 256", "NT_OFFSET = 512"]),
    expected: [{ rule: "files/generated-edited", path: "lexer/token.py", line: "any" }],
  },
  ...[
    ["ipaddr", "npm:ipaddr.js/ipaddr.min.js", "public/js/ipaddr.min.js", "ipaddr.js (9.7 kB)"],
    ["rbtree", "npm:bintrees/dist/rbtree.min.js", "static/vendor/rbtree.min.js", "bintrees' red-black tree (4.6 kB)"],
  ].map(([name, src, dest, what]) => ({
    name: `holdout-r4-minified-${name}`,
    description: `A minified bundle added to a web app: ${what}.`,
    languages: ["javascript"],
    after: { [dest]: src },
    expected: [minified(dest)],
  })),
];
CASES.push(...ROUND4);

/**
 * Round 5 (issue 12, third held-out round): written and labelled on 2026-12-07 from reading the files (their imports,
 * prints, I/O calls, credential-looking strings), before the analyzers ran on them and before any change that follows
 * round 4. Files not used by rounds 1-4. A label may name its line by text (`at`), resolved against the after tree.
 */
const ROUND5 = [
  // ---- clean JavaScript: modules with their tests, examples, docs
  {
    name: "holdout-r5-clean-help-me",
    description: "help-me with its tape tests, its example (prints by design, requires the dev dependency commist) and its help texts.",
    languages: ["javascript"],
    before: { "package.json": "npm:help-me/package.json" },
    after: {
      "help-me.js": "npm:help-me/help-me.js",
      "test.js": "npm:help-me/test.js",
      "example.js": "npm:help-me/example.js",
      "doc/help.txt": "npm:help-me/doc/help.txt",
      "doc/hello.txt": "npm:help-me/doc/hello.txt",
    },
    expected: [],
  },
  {
    name: "holdout-r5-clean-split2",
    description: "split2 with its tests and its benchmark (dev dependencies fastbench and binary-split, reads package.json as input).",
    languages: ["javascript"],
    before: { "package.json": "npm:split2/package.json" },
    after: { "index.js": "npm:split2/index.js", "test.js": "npm:split2/test.js", "bench.js": "npm:split2/bench.js" },
    expected: [],
  },
  {
    name: "holdout-r5-clean-pump",
    description: "pump with its node tests (fs required only for stream prototypes).",
    languages: ["javascript"],
    before: { "package.json": "npm:pump/package.json" },
    after: { "index.js": "npm:pump/index.js", "test-node.js": "npm:pump/test-node.js" },
    expected: [],
  },
  {
    name: "holdout-r5-clean-tdigest",
    description: "tdigest with its mocha specs and its example (prints percentiles by design).",
    languages: ["javascript"],
    before: { "package.json": "npm:tdigest/package.json" },
    after: {
      "tdigest.js": "npm:tdigest/tdigest.js",
      "distributions.js": "npm:tdigest/distributions.js",
      "specs/tdigest.spec.js": "npm:tdigest/specs/tdigest.spec.js",
      "specs/digest.spec.js": "npm:tdigest/specs/digest.spec.js",
      "specs/discrete.spec.js": "npm:tdigest/specs/discrete.spec.js",
      "example.js": "npm:tdigest/example.js",
    },
    expected: [],
  },
  {
    name: "holdout-r5-clean-generate-function",
    description: "generate-function with its test and example (prints the generated code).",
    languages: ["javascript"],
    before: { "package.json": "npm:generate-function/package.json" },
    after: { "index.js": "npm:generate-function/index.js", "test.js": "npm:generate-function/test.js", "example.js": "npm:generate-function/example.js" },
    expected: [],
  },
  {
    name: "holdout-r5-clean-xtend",
    description: "xtend with its tape test.",
    languages: ["javascript"],
    before: { "package.json": "npm:xtend/package.json" },
    after: { "immutable.js": "npm:xtend/immutable.js", "mutable.js": "npm:xtend/mutable.js", "test.js": "npm:xtend/test.js" },
    expected: [],
  },
  {
    name: "holdout-r5-pgpass-lib",
    description: "pgpass: reads ~/.pgpass after an fs.stat check, parses password entries; no tests.",
    languages: ["javascript"],
    before: { "package.json": "npm:pgpass/package.json" },
    after: { "lib/index.js": "npm:pgpass/lib/index.js", "lib/helper.js": "npm:pgpass/lib/helper.js" },
    expected: [missing],
  },
  {
    name: "holdout-r5-pg-connection-string",
    description: "pg-connection-string's parser and its README (connection URLs with user:password placeholders); no tests.",
    languages: ["javascript", "markdown"],
    before: { "package.json": "npm:pg-connection-string/package.json" },
    after: { "index.js": "npm:pg-connection-string/index.js", "README.md": "npm:pg-connection-string/README.md" },
    expected: [missing],
  },
  {
    name: "holdout-r5-cookie-signature",
    description: "cookie-signature with its Readme (example secret 'tobiiscool' in a code sample); no tests.",
    languages: ["javascript", "markdown"],
    before: { "package.json": "npm:cookie-signature/package.json" },
    after: { "index.js": "npm:cookie-signature/index.js", "Readme.md": "npm:cookie-signature/Readme.md" },
    expected: [missing],
  },
  {
    name: "holdout-r5-dotenv-lib",
    description: "dotenv's lib (reads .env files inside try, logs with a debug option) and config.js; no tests.",
    languages: ["javascript"],
    before: { "package.json": "npm:dotenv/package.json" },
    after: {
      "lib/main.js": "npm:dotenv/lib/main.js",
      "lib/cli-options.js": "npm:dotenv/lib/cli-options.js",
      "lib/env-options.js": "npm:dotenv/lib/env-options.js",
      "config.js": "npm:dotenv/config.js",
    },
    expected: [missing],
  },
  {
    name: "holdout-r5-docs-dotenv-es-skills",
    description: "dotenv's Spanish README and its skills docs: .env examples with placeholder keys and passwords.",
    languages: ["markdown"],
    after: {
      "README-es.md": "npm:dotenv/README-es.md",
      "skills/dotenv/SKILL.md": "npm:dotenv/skills/dotenv/SKILL.md",
      "skills/dotenvx/SKILL.md": "npm:dotenv/skills/dotenvx/SKILL.md",
    },
    expected: [],
  },
  {
    name: "holdout-r5-semver-bin",
    description: "semver's CLI bin/semver.js (prints results and usage) and a few functions; no tests.",
    languages: ["javascript"],
    before: { "package.json": "npm:semver/package.json" },
    after: {
      "bin/semver.js": "npm:semver/bin/semver.js",
      "functions/valid.js": "npm:semver/functions/valid.js",
      "functions/minor.js": "npm:semver/functions/minor.js",
      "ranges/valid.js": "npm:semver/ranges/valid.js",
    },
    expected: [missing],
  },
  {
    name: "holdout-r5-cross-spawn-lib",
    description: "cross-spawn's lib (readShebang reads a file inside try); no tests.",
    languages: ["javascript"],
    before: { "package.json": "npm:cross-spawn/package.json" },
    after: {
      "index.js": "npm:cross-spawn/index.js",
      "lib/parse.js": "npm:cross-spawn/lib/parse.js",
      "lib/enoent.js": "npm:cross-spawn/lib/enoent.js",
      "lib/util/readShebang.js": "npm:cross-spawn/lib/util/readShebang.js",
      "lib/util/resolveCommand.js": "npm:cross-spawn/lib/util/resolveCommand.js",
      "lib/util/escape.js": "npm:cross-spawn/lib/util/escape.js",
    },
    expected: [missing],
  },
  {
    name: "holdout-r5-graceful-fs",
    description: "graceful-fs (a debug function that writes to stderr only under NODE_DEBUG); no tests.",
    languages: ["javascript"],
    before: { "package.json": "npm:graceful-fs/package.json" },
    after: {
      "graceful-fs.js": "npm:graceful-fs/graceful-fs.js",
      "polyfills.js": "npm:graceful-fs/polyfills.js",
      "legacy-streams.js": "npm:graceful-fs/legacy-streams.js",
      "clone.js": "npm:graceful-fs/clone.js",
    },
    expected: [missing],
  },
  {
    name: "holdout-r5-nanoid-bin",
    description: "nanoid's CLI bin/nanoid.cjs (prints ids and help); no tests.",
    languages: ["javascript"],
    before: { "package.json": "npm:nanoid/package.json", "index.cjs": "npm:nanoid/index.cjs" },
    after: { "bin/nanoid.cjs": "npm:nanoid/bin/nanoid.cjs" },
    expected: [missing],
  },
  {
    name: "holdout-r5-docs-readmes",
    description: "Readmes of strip-json-comments, safe-stable-stringify, ms and denque (with its changelog).",
    languages: ["markdown"],
    after: {
      "docs/strip-json-comments.md": "npm:strip-json-comments/readme.md",
      "docs/safe-stable-stringify.md": "npm:safe-stable-stringify/readme.md",
      "docs/ms.md": "npm:ms/readme.md",
      "docs/denque.md": "npm:denque/README.md",
      "docs/denque-changelog.md": "npm:denque/CHANGELOG.md",
    },
    expected: [],
  },
  // ---- clean Python
  {
    name: "holdout-r5-py-getpass",
    description: "CPython's getpass.py: prompts for a password on /dev/tty (os.open in try), warns on fallback; platform imports inside functions.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("promptkit"), "promptkit/__init__.py": "text:" },
    after: { "promptkit/getpass.py": "py:getpass.py" },
    expected: [missing],
  },
  {
    name: "holdout-r5-py-secrets-hmac",
    description: "CPython's secrets.py (a doctest output 'f9bf78b9…' in a docstring) and hmac.py.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("cryptkit"), "cryptkit/__init__.py": "text:" },
    after: { "cryptkit/secrets.py": "py:secrets.py", "cryptkit/hmac.py": "py:hmac.py" },
    expected: [missing],
  },
  {
    name: "holdout-r5-py-generated-codecs-437",
    description: "CPython's cp437 and mac_roman codecs, generated by gencodec.py (the marker is in the module docstring).",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("codecs-more"), "codecs_more/__init__.py": "text:" },
    after: { "codecs_more/cp437.py": "py:encodings/cp437.py", "codecs_more/mac_roman.py": "py:encodings/mac_roman.py" },
    expected: [],
  },
  {
    name: "holdout-r5-py-test-support-helpers",
    description: "CPython's test.support helpers (os_helper, socket_helper, script_helper) added under tests/support.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("netkit"), "netkit/__init__.py": "text:" },
    after: {
      "tests/support/os_helper.py": "py:test/support/os_helper.py",
      "tests/support/socket_helper.py": "py:test/support/socket_helper.py",
      "tests/support/script_helper.py": "py:test/support/script_helper.py",
    },
    expected: [],
  },
  {
    name: "holdout-r5-py-quopri",
    description: "CPython's quopri.py: a main() CLI (prints usage, opens each file named inside try).",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("qp", [], "qp.quopri:main"), "qp/__init__.py": "text:" },
    after: { "qp/quopri.py": "py:quopri.py" },
    expected: [missing],
  },
  {
    name: "holdout-r5-py-smtplib",
    description: "CPython's smtplib.py: login(user, password) and AUTH mechanisms, a __main__ demo that prompts and prints.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("mailkit"), "mailkit/__init__.py": "text:" },
    after: { "mailkit/smtplib.py": "py:smtplib.py" },
    expected: [missing],
  },
  {
    name: "holdout-r5-py-oauthlib-oauth1-signature",
    description: "oauthlib's OAuth 1 (RFC 5849) signature, parameters and utils: client_secret/resource_owner_secret parameters and RFC examples in docstrings.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("oauthlib", ["cryptography"]), "oauthlib/__init__.py": "dist:oauthlib/__init__.py", "oauthlib/common.py": "dist:oauthlib/common.py" },
    after: {
      "oauthlib/oauth1/rfc5849/signature.py": "dist:oauthlib/oauth1/rfc5849/signature.py",
      "oauthlib/oauth1/rfc5849/parameters.py": "dist:oauthlib/oauth1/rfc5849/parameters.py",
      "oauthlib/oauth1/rfc5849/utils.py": "dist:oauthlib/oauth1/rfc5849/utils.py",
    },
    expected: [missing],
  },
  {
    name: "holdout-r5-py-jwt-api",
    description: "PyJWT's api_jwt, api_jws, api_jwk and jwks_client (urlopen inside try, json.loads inside try).",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("pyjwt-lite", ["cryptography>=3.4"]), "jwt/__init__.py": "text:", "jwt/exceptions.py": "dist:jwt/exceptions.py" },
    after: {
      "jwt/api_jwt.py": "dist:jwt/api_jwt.py",
      "jwt/api_jws.py": "dist:jwt/api_jws.py",
      "jwt/api_jwk.py": "dist:jwt/api_jwk.py",
      "jwt/jwks_client.py": "dist:jwt/jwks_client.py",
    },
    expected: [missing],
  },
  {
    name: "holdout-r5-py-distro",
    description: "distro: reads /etc release files (inside try, or after an isfile check), a main() CLI that logs; no tests.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("distro", [], "distro.distro:main") },
    after: { "distro/__init__.py": "dist:distro/__init__.py", "distro/__main__.py": "dist:distro/__main__.py", "distro/distro.py": "dist:distro/distro.py" },
    expected: [missing],
  },
  {
    name: "holdout-r5-py-httplib2-certs",
    description: "httplib2's certs.py: certifi and ca_certs_locater imported inside try (optional).",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("httpkit"), "httpkit/__init__.py": "text:" },
    after: { "httpkit/certs.py": "dist:httplib2/certs.py" },
    expected: [missing],
  },
  {
    name: "holdout-r5-py-six",
    description: "six.py: Python 2/3 compatibility (Python 2 module names as strings, imports guarded by version checks).",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("compat") },
    after: { "six.py": "dist:six.py" },
    expected: [missing],
  },
  {
    name: "holdout-r5-py-pygments-mapping",
    description: "Pygments' lexers/_mapping.py (\"Automatically generated by scripts/gen_mapfiles.py. DO NOT EDIT BY HAND\") added whole.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("pygments-lite"), "pygments/__init__.py": "text:" },
    after: { "pygments/lexers/_mapping.py": "dist:pygments/lexers/_mapping.py" },
    expected: [],
  },
  {
    name: "holdout-r5-py-yaml-example",
    description: "PyYAML's yaml_hl.py example (a highlighter script that prints) under examples/, PyYAML declared.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("yaml-tools", ["PyYAML"]) },
    after: { "examples/yaml_hl.py": "share:/usr/share/doc/python3-yaml/examples/yaml-highlight/yaml_hl.py" },
    expected: [],
  },
  // ---- clean shell and configuration
  {
    name: "holdout-r5-socat-examples",
    description: "socat's example scripts (ftp.sh with its anonymous default passwd, mail.sh, proxy.sh) committed under examples/.",
    languages: ["shell"],
    after: {
      "examples/ftp.sh": "share:/usr/share/doc/socat/examples/ftp.sh",
      "examples/mail.sh": "share:/usr/share/doc/socat/examples/mail.sh",
      "examples/proxy.sh": "share:/usr/share/doc/socat/examples/proxy.sh",
    },
    expected: [],
  },
  {
    name: "holdout-r5-config-samples",
    description: "mosquitto's and rsync's example configuration (commented password_file and secrets file settings).",
    languages: ["ini"],
    after: {
      "config/mosquitto.conf": "share:/usr/share/doc/mosquitto/examples/mosquitto.conf",
      "config/rsyncd.conf": "share:/usr/share/doc/rsync/examples/rsyncd.conf",
    },
    expected: [],
  },
  // ---- problems in real files
  {
    name: "holdout-r5-debug-console-log-pgpass",
    description: "pgpass: a console.log of the file it reads left in the library.",
    languages: ["javascript"],
    before: { "package.json": "npm:pgpass/package.json", "lib/index.js": "npm:pgpass/lib/index.js", "lib/helper.js": "npm:pgpass/lib/helper.js" },
    after: {},
    transform: edit("lib/index.js", ["    var st = fs.createReadStream(file);\n", "    console.log('pgpass reading', file, stat);\n    var st = fs.createReadStream(file);\n"]),
    expected: [missing, { rule: "debug/leftover", path: "lib/index.js", at: "console.log('pgpass reading'" }],
  },
  {
    name: "holdout-r5-debug-print-jwt",
    description: "PyJWT's decode_complete with a print of the decoded payload left in.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("pyjwt-lite", ["cryptography>=3.4"]), "jwt/__init__.py": "text:", "jwt/api_jwt.py": "dist:jwt/api_jwt.py" },
    after: {},
    transform: edit("jwt/api_jwt.py", ['        decoded["payload"] = payload\n', '        print("decoded payload:", payload)\n        decoded["payload"] = payload\n']),
    expected: [missing, { rule: "debug/leftover", path: "jwt/api_jwt.py", at: 'print("decoded payload:"' }],
  },
  {
    name: "holdout-r5-debug-pdb-quopri",
    description: "CPython's quopri.py with `import pdb; pdb.set_trace()` left in decode().",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("qp", [], "qp.quopri:main"), "qp/__init__.py": "text:", "qp/quopri.py": "py:quopri.py" },
    after: {},
    transform: edit("qp/quopri.py", ["    if a2b_qp is not None:\n        data = input.read()\n", "    import pdb; pdb.set_trace()\n    if a2b_qp is not None:\n        data = input.read()\n"]),
    expected: [missing, { rule: "debug/leftover", path: "qp/quopri.py", at: "pdb.set_trace()" }],
  },
  {
    name: "holdout-r5-debug-debugger-semver",
    description: "semver's Range.parseRange with a `debugger` statement left in.",
    languages: ["javascript"],
    before: { "package.json": "npm:semver/package.json", "classes/range.js": "npm:semver/classes/range.js" },
    after: {},
    transform: edit("classes/range.js", ["  parseRange (range) {\n", "  parseRange (range) {\n    debugger\n"]),
    expected: [missing, { rule: "debug/leftover", path: "classes/range.js", at: "    debugger" }],
  },
  {
    name: "holdout-r5-secret-smtplib-login",
    description: "smtplib's __main__ demo changed to log in to a relay with a password written in.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("mailkit"), "mailkit/__init__.py": "text:", "mailkit/smtplib.py": "py:smtplib.py" },
    after: {},
    transform: edit("mailkit/smtplib.py", [
      "    server = SMTP('localhost')\n",
      "    server = SMTP('smtp.mailrelay.example.net', 587)\n    server.starttls()\n    server.login('alerts@example.net', '⟪fake||20|alnum⟫')\n",
    ]),
    expected: [{ rule: "secrets/hardcoded", path: "mailkit/smtplib.py", at: "server.login('alerts@example.net'" }],
  },
  {
    name: "holdout-r5-secret-slack-webhook-ci",
    description: "help-me's CI workflow with a Slack incoming-webhook URL written into a notify step.",
    languages: ["yaml"],
    before: { "package.json": "npm:help-me/package.json", ".github/workflows/ci.yml": "npm:help-me/.github/workflows/ci.yml" },
    after: {},
    transform: edit(".github/workflows/ci.yml", [
      "      - name: Run tests\n        run: |\n          npm run test\n",
      "      - name: Run tests\n        run: |\n          npm run test\n\n      - name: Notify\n        if: failure()\n        run: |\n          curl -X POST -H 'Content-type: application/json' --data '{\"text\":\"help-me CI failed\"}' https://hooks.slack.com/services/T⟪fake||8|upperdigits⟫/B⟪fake||10|upperdigits⟫/⟪fake||24|alnum⟫\n",
    ]),
    expected: [{ rule: "secrets/hardcoded", path: ".github/workflows/ci.yml", at: "hooks.slack.com/services/" }],
  },
  {
    name: "holdout-r5-secret-socat-ftp-passwd",
    description: "socat's ftp.sh example with its default password replaced by a real account's password.",
    languages: ["shell"],
    before: { "examples/ftp.sh": "share:/usr/share/doc/socat/examples/ftp.sh" },
    after: {},
    transform: edit("examples/ftp.sh", ['user="ftp"\npasswd="anonymous@domain.org"\n', 'user="deploy"\npasswd="⟪fake||18|alnum⟫"\n']),
    expected: [{ rule: "secrets/hardcoded", path: "examples/ftp.sh", at: 'passwd="' }],
  },
  {
    name: "holdout-r5-conflict-secrets-py",
    description: "CPython's secrets.py with an unresolved merge conflict in token_hex.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("cryptkit"), "cryptkit/__init__.py": "text:", "cryptkit/secrets.py": "py:secrets.py" },
    after: {},
    transform: edit("cryptkit/secrets.py", [
      "    return binascii.hexlify(token_bytes(nbytes)).decode('ascii')\n",
      "<<<<<<< HEAD\n    return binascii.hexlify(token_bytes(nbytes)).decode('ascii')\n=======\n    return token_bytes(nbytes).hex()\n>>>>>>> simplify-token-hex\n",
    ]),
    expected: [{ rule: "conflict/markers", path: "cryptkit/secrets.py", at: "<<<<<<< HEAD" }],
  },
  {
    name: "holdout-r5-conflict-cookie-signature-readme",
    description: "cookie-signature's Readme with an unresolved conflict in its example.",
    languages: ["markdown"],
    before: { "Readme.md": "npm:cookie-signature/Readme.md" },
    after: {},
    transform: edit("Readme.md", [
      "cookie.unsign(val, 'luna').should.be.false;\n",
      "<<<<<<< HEAD\ncookie.unsign(val, 'luna').should.be.false;\n=======\ncookie.unsign(val, 'luna').should.equal(false);\n>>>>>>> readme-assert\n",
    ]),
    expected: [{ rule: "conflict/markers", path: "Readme.md", at: "<<<<<<< HEAD" }],
  },
  {
    name: "holdout-r5-weakened-xtend-assertion",
    description: "xtend's merge test with its deepEqual assertion removed.",
    languages: ["javascript"],
    before: { "package.json": "npm:xtend/package.json", "immutable.js": "npm:xtend/immutable.js", "test.js": "npm:xtend/test.js" },
    after: {},
    transform: edit("test.js", ['    var b = { b: "bar" }\n\n    assert.deepEqual(extend(a, b), { a: "foo", b: "bar" })\n', '    var b = { b: "bar" }\n\n']),
    expected: [{ rule: "tests/weakened", path: "test.js", line: "any" }],
  },
  {
    name: "holdout-r5-weakened-split2-skip",
    description: "split2's 'split two lines on two writes' test switched to test.skip.",
    languages: ["javascript"],
    before: { "package.json": "npm:split2/package.json", "index.js": "npm:split2/index.js", "test.js": "npm:split2/test.js" },
    after: {},
    transform: edit("test.js", ["test('split two lines on two writes'", "test.skip('split two lines on two writes'"]),
    expected: [{ rule: "tests/weakened", path: "test.js", at: "test.skip('split two lines on two writes'" }],
  },
  {
    name: "holdout-r5-deps-undeclared-proper-lockfile",
    description: "proper-lockfile's lib added to a package that declares no dependencies (graceful-fs in two files, retry, signal-exit).",
    languages: ["javascript"],
    before: { "package.json": pkgJson("lockkit") },
    after: {
      "index.js": "npm:proper-lockfile/index.js",
      "lib/lockfile.js": "npm:proper-lockfile/lib/lockfile.js",
      "lib/adapter.js": "npm:proper-lockfile/lib/adapter.js",
      "lib/mtime-precision.js": "npm:proper-lockfile/lib/mtime-precision.js",
    },
    expected: [
      missing,
      { rule: "deps/undeclared", path: "lib/lockfile.js", at: "require('retry')" },
      { rule: "deps/undeclared", path: "lib/lockfile.js", at: "require('signal-exit')" },
      { rule: "deps/undeclared", path: "lib/lockfile.js", at: "require('graceful-fs')" },
      { rule: "deps/undeclared", path: "lib/adapter.js", at: "require('graceful-fs')" },
    ],
  },
  {
    name: "holdout-r5-deps-undeclared-yq",
    description: "yq's __init__.py (import yaml, argcomplete) added to a project whose pyproject declares no dependencies.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("yq-lite") },
    after: { "yq/__init__.py": "dist:yq/__init__.py" },
    expected: [
      missing,
      { rule: "deps/undeclared", path: "yq/__init__.py", at: "import yaml, argcomplete" },
      { rule: "deps/undeclared", path: "yq/__init__.py", at: "import yaml, argcomplete" },
    ],
  },
  {
    name: "holdout-r5-io-probot-receive",
    description: "probot's `receive` command: JSON.parse(fs.readFileSync(payloadPath)) of the file named on the command line, unhandled.",
    languages: ["javascript"],
    before: { "package.json": "npm:probot/package.json" },
    after: { "lib/bin/receive.js": "npm:probot/lib/bin/receive.js" },
    expected: [missing, { rule: "io/unhandled", path: "lib/bin/receive.js", at: "JSON.parse(fs.readFileSync(path.resolve(payloadPath)" }],
  },
  {
    name: "holdout-r5-lockfile-stale-proper-lockfile",
    description: "proper-lockfile's package.json: retry bumped a minor version, package-lock.json left as it was.",
    languages: ["json"],
    before: {
      "package.json": "npm:proper-lockfile/package.json",
      "package-lock.json": `text:${JSON.stringify({ name: "proper-lockfile", lockfileVersion: 3, requires: true, packages: {} }, null, 2)}\n`,
    },
    after: {},
    transform: edit("package.json", ['"retry": "^0.12.0"', '"retry": "^0.13.1"']),
    expected: [{ rule: "deps/lockfile-mismatch", path: "package.json", at: '"retry": "^0.13.1"' }],
  },
  {
    name: "holdout-r5-generated-pygments-mapping-edited",
    description: "Pygments' generated lexers/_mapping.py (\"DO NOT EDIT BY HAND\") edited by hand to add an alias.",
    languages: ["python"],
    before: { "pyproject.toml": pyproject4("pygments-lite"), "pygments/lexers/_mapping.py": "dist:pygments/lexers/_mapping.py" },
    after: {},
    transform: edit("pygments/lexers/_mapping.py", ["('abap',), ('*.abap', '*.ABAP')", "('abap', 'sap-abap'), ('*.abap', '*.ABAP')"]),
    expected: [{ rule: "files/generated-edited", path: "pygments/lexers/_mapping.py", line: "any" }],
  },
  ...[
    ["d3-color", "npm:d3-color/dist/d3-color.min.js", "assets/js/d3-color.min.js", "d3-color"],
    ["ejs", "npm:ejs/ejs.min.js", "public/vendor/ejs.min.js", "ejs' browser bundle"],
  ].map(([name, src, dest, what]) => ({
    name: `holdout-r5-minified-${name}`,
    description: `A minified bundle added to a web app: ${what}.`,
    languages: ["javascript"],
    after: { [dest]: src },
    expected: [minified(dest)],
  })),
];
CASES.push(...ROUND5);

const MANIFEST = /(^|\/)(package\.json|pyproject\.toml|requirements[^/]*\.txt|setup\.cfg|setup\.py|Pipfile|go\.mod)$/;
/** The real-key diffs are stored encoded: a PEM body, a JWT, a GitHub token shape (even a published placeholder one). */
const CREDENTIAL_SHAPED = /-----BEGIN [A-Z ]*PRIVATE KEY-----\n[A-Za-z0-9+/=]{40,}|eyJ[A-Za-z0-9_-]{8,}\.eyJ|\bgh[pousr]_[A-Za-z0-9]{36}\b/;

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

/** Round 5 labels may name a line by its text (`at`): the first line of the after file that holds it. */
function resolveAt(entry, after, name) {
  if (entry.at === undefined) return entry;
  const { at, ...rest } = entry;
  const index = (after[rest.path] ?? "").split("\n").findIndex((l) => l.includes(at));
  if (index < 0) throw new Error(`${name}: "${at}" is not in ${rest.path}`);
  return { ...rest, line: index + 1 };
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
    expected: c.expected.map((e) => resolveAt(e, after, c.name)),
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
