import { lstat, readdir, readlink, realpath } from "node:fs/promises";
import path from "node:path";
import type { HostLayout } from "./host-layout.ts";

/** Top-level folders a toolchain needs (besides /usr, which is always bound). */
const TOP_LEVEL = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/**
 * The parts of /etc a toolchain needs, and nothing else (no shadow, no ssh keys, no app config):
 * TLS roots, name resolution, users and groups (so `id`/`whoami` and git work), the dynamic linker's
 * cache, the alternatives symlinks Debian uses for java/editor/..., time zone, locale aliases, the
 * system git config, MIME/services tables some runtimes read, and the JDKs' /etc/java-* folders
 * (their conf files are symlinks into /etc).
 */
export const SANDBOX_ETC_ENTRIES = [
  "/etc/ssl",
  "/etc/ca-certificates",
  "/etc/ca-certificates.conf",
  "/etc/pki",
  "/etc/crypto-policies",
  "/etc/resolv.conf",
  "/etc/hosts",
  "/etc/host.conf",
  "/etc/nsswitch.conf",
  "/etc/gai.conf",
  "/etc/services",
  "/etc/protocols",
  "/etc/passwd",
  "/etc/group",
  "/etc/alternatives",
  "/etc/ld.so.cache",
  "/etc/ld.so.conf",
  "/etc/ld.so.conf.d",
  "/etc/localtime",
  "/etc/timezone",
  "/etc/locale.alias",
  "/etc/locale.conf",
  "/etc/default/locale",
  "/etc/os-release",
  "/etc/gitconfig",
  "/etc/mime.types",
];

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Look at this host once: which of /bin, /lib, ... are symlinks into /usr, which /etc entries exist,
 * and where Node.js is installed (an nvm/tarball install outside /usr and /opt is bound read-only so
 * JavaScript agents and QA commands can run).
 */
export async function detectHostLayout(nodeExecPath: string = process.execPath): Promise<HostLayout> {
  const topLevel: HostLayout["topLevel"] = [];
  for (const p of TOP_LEVEL) {
    let st;
    try {
      st = await lstat(p);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) topLevel.push({ path: p, kind: "symlink", target: await readlink(p) });
    else if (st.isDirectory()) topLevel.push({ path: p, kind: "dir" });
  }
  const etc: string[] = [];
  for (const p of SANDBOX_ETC_ENTRIES) if (await exists(p)) etc.push(p);
  try {
    for (const name of (await readdir("/etc")).sort()) if (/^java-[\w.-]+$/.test(name)) etc.push(`/etc/${name}`);
  } catch {
    // no /etc listing: keep the fixed entries
  }
  const extraReadOnly: string[] = [];
  if (await exists("/opt")) extraReadOnly.push("/opt");
  try {
    const nodeReal = await realpath(nodeExecPath);
    const prefix = path.dirname(path.dirname(nodeReal));
    const covered = ["/usr", "/opt", ...topLevel.map((t) => t.path)].some((root) => prefix === root || prefix.startsWith(`${root}/`));
    if (!covered && prefix !== "/") extraReadOnly.push(prefix);
  } catch {
    // node binary vanished: nothing to add
  }
  return { topLevel, etc, extraReadOnly };
}
