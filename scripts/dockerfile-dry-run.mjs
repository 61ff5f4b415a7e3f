#!/usr/bin/env node
// Performs the Dockerfile's steps on this machine, without a Docker engine, into a folder, then starts the result
// the way docker-compose.yml does and checks it: `doctor` and `worker` as the image's user with the compose file's
// named volumes, `web` with the image's HEALTHCHECK (GET /ping).
//
//   sudo node scripts/dockerfile-dry-run.mjs [--out DIR] [--keep] [--no-start] [--build-arg NAME=VALUE]...
//                                             [--dockerfile Dockerfile] [--redis-url URL] [--database-url URL]
//   --start-only with the --out DIR of an earlier --keep run starts that image again without building it.
//
// How it stands in for Docker (it needs root for mount namespaces and pivot_root, as Docker does):
// - The build context is this folder minus .dockerignore, copied to DIR/context.
// - Each stage is a folder (its layer). The base image is this machine: its /usr (with /bin, /lib, /sbin) is bound
//   read-only into the layer, /etc is copied in, /usr/local is a folder of the layer. The base must match the
//   Dockerfile's (Debian bookworm, Node 20): the script checks and says so.
// - RUN runs `sh -c` with the layer as root (pivot_root in a private mount namespace), as the current USER, with ARG and ENV.
//   `apt-get` lines cannot run against a read-only /usr: the packages they name are checked to be installed here instead.
// - COPY copies from the context or another stage's layer. ENV, ARG, WORKDIR, USER, VOLUME, EXPOSE, HEALTHCHECK,
//   ENTRYPOINT and CMD are recorded and used when the result starts.
// - Starting: a compose named volume is a copy of the image's folder at its target (owner included), or a new
//   root-owned folder when the image has none, as Docker does; moderator.config.example.yml is bind-mounted read-only
//   as the config. The network is this machine's (Redis and PostgreSQL on 127.0.0.1).
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { chownSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values: opts } = parseArgs({
  options: {
    out: { type: "string" },
    keep: { type: "boolean", default: false },
    "no-start": { type: "boolean", default: false },
    "start-only": { type: "boolean", default: false },
    "build-arg": { type: "string", multiple: true, default: [] },
    dockerfile: { type: "string", default: "Dockerfile" },
    "redis-url": { type: "string", default: "redis://127.0.0.1:6379" },
    "database-url": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (opts.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(1, 21).map((l) => l.replace(/^\/\/ ?/, "")).join("\n"));
  process.exit(0);
}
if (process.getuid?.() !== 0) fail("needs root (mount namespaces and pivot_root, as Docker does): run it with sudo");

const out = path.resolve(opts.out ?? mkdtempSync(path.join(tmpdir(), "moderator-dry-run-")));
mkdirSync(out, { recursive: true });
const log = (line) => console.log(`dry-run: ${line}`);
const results = [];
const check = (ok, what) => {
  results.push({ ok, what });
  console.log(`${ok ? "  ok  " : "  FAIL"}  ${what}`);
};

function fail(message) {
  console.error(`dry-run: ${message}`);
  process.exit(1);
}

// ---- the base image stand-in ------------------------------------------------------------------------------
const dockerfileText = readFileSync(path.resolve(ROOT, opts.dockerfile), "utf8");
{
  const osRelease = readFileSync("/etc/os-release", "utf8");
  const codename = /^VERSION_CODENAME=(.*)$/m.exec(osRelease)?.[1];
  const nodeMajor = process.versions.node.split(".")[0];
  const bases = [...dockerfileText.matchAll(/^FROM\s+(\S+)/gim)].map((m) => m[1]);
  for (const base of bases) {
    const m = /^node:(\d+)-(\w+)/.exec(base);
    if (!m) fail(`base image ${base}: only node:<major>-<debian> bases can be stood in for by this machine`);
    if (m[1] !== nodeMajor || m[2] !== codename) fail(`base image ${base} needs Node ${m[1]} on Debian ${m[2]}; this machine has Node ${nodeMajor} on Debian ${codename}`);
  }
  log(`base image stand-in: this machine (Debian ${codename}, Node ${process.versions.node}) for ${[...new Set(bases)].join(", ")}`);
}

// ---- build context -------------------------------------------------------------------------------------------
function globToRegExp(pattern) {
  const p = pattern.replace(/^\/+|\/+$/g, "");
  let re = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === "*") {
      if (p[i + 1] === "*") {
        re += ".*";
        i++;
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}(/.*)?$`);
}
const ignoreFile = path.join(ROOT, ".dockerignore");
const ignores = existsSync(ignoreFile)
  ? readFileSync(ignoreFile, "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#")).map((l) => ({ negate: l.startsWith("!"), re: globToRegExp(l.replace(/^!/, "")) }))
  : [];
const ignored = (rel) => ignores.reduce((acc, rule) => (rule.re.test(rel) ? !rule.negate : acc), false);
const context = path.join(out, "context");
let contextFiles = 0;
let contextBytes = 0;
const skipped = new Set();
function copyContext(rel) {
  for (const entry of readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${entry.name}` : entry.name;
    if (ignored(r)) {
      skipped.add(r);
      continue;
    }
    if (entry.isDirectory()) copyContext(r);
    else {
      mkdirSync(path.join(context, rel), { recursive: true });
      cpSync(path.join(ROOT, r), path.join(context, r), { verbatimSymlinks: true });
      contextFiles++;
      contextBytes += lstatSync(path.join(ROOT, r)).size;
    }
  }
}
rmSync(context, { recursive: true, force: true });
copyContext("");
log(`build context: ${contextFiles} files, ${(contextBytes / 1e6).toFixed(1)} MB (left out by .dockerignore: ${[...skipped].sort().join(", ") || "nothing"})`);

// ---- Dockerfile parsing --------------------------------------------------------------------------------------
function parseDockerfile(text) {
  const lines = text.split("\n");
  const instructions = [];
  let buf = "";
  for (const raw of lines) {
    if (!buf && /^\s*#/.test(raw)) continue;
    if (buf && /^\s*#/.test(raw)) continue;
    const line = raw.replace(/\s+$/, "");
    if (line.endsWith("\\")) {
      buf += `${line.slice(0, -1)} `;
      continue;
    }
    buf += line;
    if (buf.trim()) {
      const m = /^\s*(\w+)\s+([\s\S]*)$/.exec(buf);
      if (!m) fail(`cannot parse Dockerfile line: ${buf}`);
      instructions.push({ op: m[1].toUpperCase(), args: m[2].trim() });
    }
    buf = "";
  }
  return instructions;
}
const expand = (s, vars) => s.replace(/\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)/g, (_, a, def, b) => vars[a ?? b] ?? def ?? "");
function parseKeyValues(args) {
  const pairs = {};
  const re = /(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g;
  let m;
  while ((m = re.exec(args))) pairs[m[1]] = m[2].startsWith('"') ? JSON.parse(m[2]) : m[2];
  if (Object.keys(pairs).length === 0) {
    const [k, ...rest] = args.split(/\s+/);
    pairs[k] = rest.join(" ");
  }
  return pairs;
}
const execForm = (args) => (args.trim().startsWith("[") ? JSON.parse(args) : ["/bin/sh", "-c", args]);

// ---- stages -------------------------------------------------------------------------------------------------
const buildArgs = Object.fromEntries(opts["build-arg"].map((a) => [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]));
const HOST_USR_LINKS = ["bin", "lib", "lib64", "sbin"].filter((d) => existsSync(`/${d}`) && lstatSync(`/${d}`).isSymbolicLink());
const stages = [];

function newStage(name) {
  const dir = path.join(out, "stages", name);
  rmSync(dir, { recursive: true, force: true });
  const layer = path.join(dir, "rootfs");
  for (const d of ["usr", "tmp", "root", "home", "var/tmp", "dev", "proc"]) mkdirSync(path.join(layer, d), { recursive: true });
  mkdirSync(path.join(dir, "usr-local"), { recursive: true });
  for (const d of ["bin", "lib", "sbin", "etc", "include", "share", "src"]) mkdirSync(path.join(dir, "usr-local", d), { recursive: true });
  for (const link of HOST_USR_LINKS) execFileSync("ln", ["-s", execFileSync("readlink", [`/${link}`]).toString().trim(), path.join(layer, link)]);
  execFileSync("cp", ["-a", "/etc", path.join(layer, "etc")]);
  return { name, dir, layer, usrLocal: path.join(dir, "usr-local"), env: {}, args: {}, workdir: "/", user: "0:0", volumes: [], healthcheck: undefined, entrypoint: [], cmd: [] };
}

/** Where an absolute path of the image lives on this machine. */
function hostPath(stage, p) {
  const abs = path.posix.resolve(stage.workdir, p);
  if (abs === "/usr/local" || abs.startsWith("/usr/local/")) return path.join(stage.usrLocal, abs.slice("/usr/local".length));
  if (abs === "/usr" || abs.startsWith("/usr/")) fail(`${abs}: the image's /usr is this machine's, read-only; only /usr/local can be written`);
  return path.join(stage.layer, abs);
}

/** A shell script (run as root in a fresh mount namespace) that builds the layer's view, makes it the root, runs argv. */
function chrootCommand(stage, argv, { env, user, workdir, mounts = [] }) {
  const q = (s) => `'${String(s).replace(/'/g, "'\\''")}'`;
  const L = stage.layer;
  const lines = [
    "set -e",
    // The layer becomes the root of this mount namespace by pivot_root (not chroot: the kernel refuses user
    // namespaces, which bubblewrap needs, to a chrooted process).
    `mount --bind ${q(L)} ${q(L)}`,
    `mount --bind /usr ${q(`${L}/usr`)}`,
    `mount -o remount,bind,ro ${q(`${L}/usr`)}`,
    `mount --bind ${q(stage.usrLocal)} ${q(`${L}/usr/local`)}`,
    `mount --rbind /dev ${q(`${L}/dev`)}`,
    `mount -t proc proc ${q(`${L}/proc`)}`,
    `mount -t tmpfs tmpfs ${q(`${L}/tmp`)}`,
  ];
  for (const m of mounts) {
    if (m.file) lines.push(`mkdir -p ${q(path.dirname(`${L}${m.target}`))}`, `[ -e ${q(`${L}${m.target}`)} ] || touch ${q(`${L}${m.target}`)}`);
    else lines.push(`mkdir -p ${q(`${L}${m.target}`)}`);
    lines.push(`mount --bind ${q(m.source)} ${q(`${L}${m.target}`)}`);
    if (m.readOnly) lines.push(`mount -o remount,bind,ro ${q(`${L}${m.target}`)}`);
  }
  const [uid, gid] = user.split(":");
  const envArgs = Object.entries(env).map(([k, v]) => q(`${k}=${v}`)).join(" ");
  lines.push(
    `mkdir -p ${q(`${L}/.oldroot`)}`,
    `cd ${q(L)}`,
    "pivot_root . .oldroot",
    "umount -l /.oldroot",
    "rmdir /.oldroot 2>/dev/null || true",
    `exec /usr/bin/setpriv --reuid=${uid} --regid=${gid} ${uid === "0" ? "--keep-groups" : "--clear-groups"} ` +
      `/usr/bin/env -i ${envArgs} /bin/sh -c ${q(`cd ${q(workdir)} && exec "$@"`)} sh ${argv.map(q).join(" ")}`,
  );
  return ["unshare", ["--mount", "--propagation", "private", "--fork", "/bin/sh", "-c", lines.join("\n")]];
}

function resolveUser(stage, spec) {
  const [name, group] = spec.split(":");
  const passwd = readFileSync(path.join(stage.layer, "etc/passwd"), "utf8").split("\n").map((l) => l.split(":"));
  const entry = /^\d+$/.test(name) ? passwd.find((p) => p[2] === name) : passwd.find((p) => p[0] === name);
  if (!entry && !/^\d+$/.test(name)) fail(`USER ${spec}: no such user in the image's /etc/passwd`);
  const uid = entry?.[2] ?? name;
  const gid = group ?? entry?.[3] ?? uid;
  return { user: `${uid}:${gid}`, home: entry?.[5] ?? "/" };
}

const stageEnv = (stage) => ({ PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOSTNAME: "moderator", ...stage.env });

const globalArgs = {};
let stage;
const t0 = Date.now();
const imageFile = path.join(out, "image.json");
if (opts["start-only"]) {
  if (!existsSync(imageFile)) fail(`--start-only: ${imageFile} is missing (build once with --keep --out ${out})`);
  stage = JSON.parse(readFileSync(imageFile, "utf8"));
}
for (const ins of opts["start-only"] ? [] : parseDockerfile(dockerfileText)) {
  const vars = stage ? { ...stage.args, ...stage.env } : globalArgs;
  switch (ins.op) {
    case "ARG": {
      const [k, v] = ins.args.includes("=") ? [ins.args.slice(0, ins.args.indexOf("=")), ins.args.slice(ins.args.indexOf("=") + 1)] : [ins.args, undefined];
      const value = buildArgs[k] ?? (v === undefined ? globalArgs[k] : expand(v.replace(/^"|"$/g, ""), vars));
      if (stage) stage.args[k] = value ?? "";
      else globalArgs[k] = value ?? "";
      break;
    }
    case "FROM": {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      stage = newStage(m[2] ?? String(stages.length));
      stages.push(stage);
      log(`stage ${stage.name} (FROM ${expand(m[1], globalArgs)})`);
      break;
    }
    case "WORKDIR":
      stage.workdir = path.posix.resolve(stage.workdir, expand(ins.args, vars));
      mkdirSync(hostPath(stage, stage.workdir), { recursive: true });
      break;
    case "ENV":
      for (const [k, v] of Object.entries(parseKeyValues(ins.args))) stage.env[k] = expand(v, { ...stage.args, ...stage.env });
      break;
    case "COPY": {
      const words = ins.args.startsWith("[") ? JSON.parse(ins.args) : ins.args.split(/\s+/);
      const flags = Object.fromEntries(words.filter((w) => w.startsWith("--")).map((w) => w.slice(2).split("=")));
      const paths = words.filter((w) => !w.startsWith("--")).map((w) => expand(w, vars));
      const dest = paths.pop();
      const from = flags.from ? stages.find((s) => s.name === flags.from) : undefined;
      if (flags.from && !from) fail(`COPY --from=${flags.from}: no such stage`);
      for (const src of paths) {
        const source = from ? hostPath(from, src) : path.join(context, src);
        if (!existsSync(source)) fail(`COPY ${src}: not in the ${from ? `stage ${from.name}` : "build context (check .dockerignore)"}`);
        // A folder's contents go into dest; a file goes into dest/ when dest ends with / or there are several sources.
        const intoDir = !statSync(source).isDirectory() && (dest.endsWith("/") || paths.length > 1);
        const target = hostPath(stage, intoDir ? path.posix.join(dest, path.basename(src)) : dest);
        mkdirSync(path.dirname(target), { recursive: true });
        cpSync(source, target, { recursive: true, verbatimSymlinks: true });
        const [cu, cg] = flags.chown ? resolveUser(stage, flags.chown).user.split(":").map(Number) : [0, 0];
        execFileSync("chown", ["-R", "-h", `${cu}:${cg}`, target]);
      }
      log(`COPY ${ins.args}`);
      break;
    }
    case "RUN": {
      const script = ins.args;
      if (/^apt-get update\b/.test(script)) {
        const pkgs = /apt-get install[^&;|]*?((?:\s+[a-z0-9][a-z0-9.+-]+)+)/.exec(script)?.[1].trim().split(/\s+/) ?? [];
        const missing = pkgs.filter((p) => spawnSync("dpkg-query", ["-W", "-f=${Status}", p]).stdout?.toString() !== "install ok installed");
        if (missing.length > 0) fail(`RUN apt-get: not installed on this machine (the base image stand-in): ${missing.join(" ")}`);
        log(`RUN apt-get install ${pkgs.join(" ")}: stood in for by this machine's packages (all installed)`);
        break;
      }
      const env = { ...stageEnv(stage), ...stage.args, HOME: resolveUser(stage, stage.user).home };
      const mounts = [];
      // npm in a RUN uses this machine's npm cache and configuration, as a Docker build would use a cache mount.
      if (stage.user === "0:0" && existsSync("/root/.npm")) mounts.push({ source: "/root/.npm", target: "/root/.npm" });
      if (stage.user === "0:0" && existsSync("/root/.npmrc")) mounts.push({ source: "/root/.npmrc", target: "/root/.npmrc", file: true, readOnly: true });
      const [cmd, argv] = chrootCommand(stage, ["/bin/sh", "-c", script], { env, user: stage.user, workdir: stage.workdir, mounts });
      const started = Date.now();
      log(`RUN ${script.length > 110 ? `${script.slice(0, 107)}...` : script}`);
      const r = spawnSync(cmd, argv, { stdio: ["ignore", "inherit", "inherit"] });
      if (r.status !== 0) fail(`RUN failed with exit code ${r.status}: ${script}`);
      log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      break;
    }
    case "USER":
      stage.user = resolveUser(stage, expand(ins.args, vars)).user;
      stage.userName = expand(ins.args, vars);
      break;
    case "VOLUME":
      stage.volumes.push(...execForm(ins.args).filter((v) => v.startsWith("/")));
      break;
    case "HEALTHCHECK":
      stage.healthcheck = JSON.parse(/CMD\s+(\[.*\])\s*$/.exec(ins.args)?.[1] ?? "null");
      break;
    case "ENTRYPOINT":
      stage.entrypoint = execForm(ins.args);
      break;
    case "CMD":
      stage.cmd = execForm(ins.args);
      break;
    case "EXPOSE":
    case "LABEL":
      break;
    default:
      fail(`instruction ${ins.op} is not supported by the dry run`);
  }
}
const image = stage;
writeFileSync(imageFile, JSON.stringify(image, null, 2));
log(`built stage ${image.name} in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${image.layer} (+ ${image.usrLocal} as /usr/local)`);
if (opts["no-start"]) finish();

// ---- start the result as docker-compose.yml does -------------------------------------------------------------
const { parse: parseYaml } = await import(path.join(ROOT, "node_modules/yaml/dist/index.js"));
const compose = parseYaml(readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8"), { merge: true });
/** A named volume as Docker makes it: a copy of the image's folder at the target (owner included), else root-owned. */
function namedVolume(name, target) {
  const dir = path.join(out, "volumes", name);
  rmSync(dir, { recursive: true, force: true });
  const inImage = hostPath(image, target);
  mkdirSync(path.dirname(dir), { recursive: true });
  if (existsSync(inImage)) execFileSync("cp", ["-a", inImage, dir]);
  else {
    mkdirSync(dir, { recursive: true });
    chownSync(dir, 0, 0);
  }
  const st = statSync(dir);
  log(`volume ${name} at ${target}: ${existsSync(inImage) ? "copied from the image" : "new (the image has no such folder)"}, owner ${st.uid}:${st.gid}`);
  return { source: dir, target };
}
function serviceMounts(service) {
  const mounts = [];
  for (const v of compose.services[service].volumes ?? []) {
    if (typeof v === "string") {
      const [source, target] = v.split(":");
      if (source.startsWith(".") || source.startsWith("/")) fail(`${service}: short bind syntax ${v} (Docker would create a directory when it is missing)`);
      mounts.push(namedVolume(source, target));
    } else if (v.type === "bind") {
      const source = path.resolve(out, v.source === "./moderator.config.yml" ? "moderator.config.yml" : v.source);
      if (!existsSync(source)) fail(`${service}: bind source ${v.source} does not exist`);
      mounts.push({ source, target: v.target, file: statSync(source).isFile(), readOnly: v.read_only === true });
    }
  }
  return mounts;
}
cpSync(path.join(ROOT, "moderator.config.example.yml"), path.join(out, "moderator.config.yml"));
const freePort = () =>
  new Promise((resolve) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
const schema = `dry_run_${randomBytes(4).toString("hex")}`;
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
const port = await freePort();
const runEnv = {
  ...stageEnv(image),
  ...Object.fromEntries(Object.entries(compose["x-moderator-env"] ?? {})),
  REDIS_URL: opts["redis-url"],
  DATABASE_URL: opts["database-url"] ?? `postgres://postgres@127.0.0.1:5432/test?schema=${schema}`,
  HOME: resolveUser(image, image.user.split(":")[0]).home,
  APP_ID: "1",
  PRIVATE_KEY: privateKey.replace(/\n/g, "\\n"),
  WEBHOOK_SECRET: randomBytes(24).toString("hex"),
  GHE_HOST: `127.0.0.1:${await freePort()}`,
  GHE_PROTOCOL: "http",
  PORT: String(port),
  // tini is PID 1 in a container; here it is not, so it registers as a subreaper instead.
  TINI_SUBREAPER: "1",
  MODERATOR_QUEUE: schema,
};
const children = [];
function startInImage(service, args, { capture = true } = {}) {
  const [cmd, argv] = chrootCommand(image, [...image.entrypoint, ...args], {
    env: runEnv,
    user: image.user,
    workdir: image.workdir,
    mounts: serviceMounts(service),
  });
  const child = spawn(cmd, argv, { stdio: ["ignore", capture ? "pipe" : "inherit", capture ? "pipe" : "inherit"], detached: true });
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  children.push(child);
  const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** docker stop: SIGTERM to the entrypoint (tini, which passes it on), SIGKILL after 15 s. */
const stop = async (p) => {
  if (p.child.exitCode !== null) return p.exited;
  const pids = spawnSync("pgrep", ["-g", String(p.child.pid), "-x", "tini"]).stdout.toString().trim().split("\n").filter(Boolean);
  if (pids.length > 0) process.kill(Number(pids[0]), "SIGTERM");
  else process.kill(-p.child.pid, "SIGTERM");
  return Promise.race([p.exited, sleep(15_000).then(() => process.kill(-p.child.pid, "SIGKILL"))]);
};

log(`starting the image as ${image.userName ?? image.user} (uid:gid ${image.user}); entrypoint ${JSON.stringify(image.entrypoint)}`);
const uid = Number(image.user.split(":")[0]);
check(uid !== 0, `the image runs as a non-root user (uid ${uid})`);

// 1. doctor, in the worker's container (its volumes and config).
const doctor = startInImage("worker", ["doctor", "--timeout", "3"]);
const doctorCode = await doctor.exited;
console.log(doctor.output().replace(/^/gm, "    | "));
const row = (what) => new RegExp(`^${what}\\s+ok\\s`, "m").test(doctor.output());
check(doctorCode === 0 || doctorCode === 1, `moderator doctor ran in the image (exit ${doctorCode})`);
check(row("workspace"), "doctor: /data/workspaces (the named volume) is writable by the image's user");
check(row("redis") && row("database"), "doctor: Redis and PostgreSQL answer from inside the image");
check(/^sandbox\s+ok\s/m.test(doctor.output()), "doctor: bubblewrap works for the image's user (user + network namespaces, /proc)");

// 2. web: the HEALTHCHECK command answers.
const web = startInImage("web", ["web"]);
let healthy = false;
let tries = 0;
for (; tries < 60 && !healthy && web.child.exitCode === null; tries++) {
  await sleep(1000);
  const [cmd, argv] = chrootCommand(image, image.healthcheck ?? ["false"], { env: runEnv, user: image.user, workdir: image.workdir });
  healthy = spawnSync(cmd, argv, { stdio: "ignore" }).status === 0;
}
const pong = healthy ? await fetch(`http://127.0.0.1:${port}/ping`).then((r) => r.text()).catch((e) => String(e)) : "";
check(healthy, `web: the image's HEALTHCHECK ${JSON.stringify(image.healthcheck)} passes (after ${tries} s; GET /ping -> ${JSON.stringify(pong)})`);
if (!healthy) console.log(web.output().split("\n").slice(-30).join("\n").replace(/^/gm, "    | "));

// 3. worker: starts when its blocking start-up checks pass; without a working sandbox it must refuse (sandbox: auto),
//    and start only once moderator.config.yml says `sandbox: none`.
async function startWorker() {
  const w = startInImage("worker", ["worker"]);
  for (let i = 0; i < 60 && !/worker started/.test(w.output()) && w.child.exitCode === null; i++) await sleep(1000);
  return { w, started: /worker started/.test(w.output()) };
}
let { w: worker, started } = await startWorker();
if (/^sandbox\s+ok\s/m.test(doctor.output())) {
  check(started, "worker: passes its start-up checks and starts");
} else {
  await worker.exited;
  check(!started && /refusing to start worker: sandbox/.test(worker.output()), "worker: refuses to start without a working sandbox (sandbox: auto never falls back to none here)");
  writeFileSync(path.join(out, "moderator.config.yml"), `${readFileSync(path.join(out, "moderator.config.yml"), "utf8").replace(/^sandbox: .*$/m, "")}sandbox: none\n`);
  ({ w: worker, started } = await startWorker());
  check(started, "worker: starts once moderator.config.yml says sandbox: none");
}
if (!started) console.log(worker.output().split("\n").slice(-30).join("\n").replace(/^/gm, "    | "));
const [webCode, workerCode] = await Promise.all([stop(web), stop(worker)]);
check(webCode === 0 && workerCode === 0, `web and worker stop on SIGTERM with exit 0 (web ${webCode}, worker ${workerCode})`);
spawnSync("psql", [(opts["database-url"] ?? "postgres://postgres@127.0.0.1:5432/test").replace(/\?.*$/, ""), "-qc", `DROP SCHEMA IF EXISTS "${schema}" CASCADE`], { stdio: "ignore" });
finish();

function finish() {
  for (const c of children) if (c.exitCode === null) process.kill(-c.pid, "SIGKILL");
  if (!opts.keep) {
    // The layers' mounts lived in the children's private mount namespaces, gone with them: only plain folders remain.
    // Never delete through a mount that is still visible here (it could be this machine's /usr).
    const mounted = readFileSync("/proc/self/mountinfo", "utf8").split("\n").some((l) => l.split(" ")[4]?.startsWith(out));
    if (mounted) fail(`something is still mounted under ${out}: not deleting it`);
    rmSync(out, { recursive: true, force: true });
  } else log(`kept ${out}`);
  const failed = results.filter((r) => !r.ok).length;
  log(failed === 0 ? `all ${results.length} checks passed` : `${failed} of ${results.length} checks failed`);
  process.exit(failed === 0 ? 0 : 1);
}
