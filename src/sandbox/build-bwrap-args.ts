import path from "node:path";
import type { HostLayout } from "./host-layout.ts";

export interface BwrapProfile {
  layout: HostLayout;
  /** The clone: bound read-write at the same path and made the working directory. */
  cwd: string;
  readOnlyPaths: string[];
  writablePaths: string[];
  /** Files bound at another path inside (the egress proxy's socket at a neutral path). */
  extraBinds?: Array<{ source: string; dest: string }>;
  /** Keep the host's network namespace. Only the `sandbox: auto` fallback on a host where bubblewrap cannot
   *  create a network namespace sets this (after a loud warning); otherwise the network is always unshared. */
  shareHostNetwork?: boolean;
}

const depth = (p: string): number => p.split("/").filter(Boolean).length;

/**
 * The bubblewrap arguments for one run (everything before the command, ending with "--").
 *
 * The sandbox sees: /usr, /bin, /lib* (read-only, symlinks kept as symlinks), the listed /etc entries,
 * /opt and the Node.js prefix (read-only), a private tmpfs /tmp and /var/tmp, a fresh /proc and a
 * minimal /dev, then readOnlyPaths, the cwd and writablePaths. Nothing else of the host exists inside:
 * no /root, no /home, no /work, no other clones. All namespaces are unshared, the network too: the
 * sandbox has only its own loopback, and reaches allowed hosts only through the egress proxy's socket
 * (`extraBinds`). Every capability is dropped, the child is in a new session (no terminal injection) and
 * dies with its parent. The runner passes these arguments through a file descriptor (`--args`), so the
 * sandbox's /proc/1/cmdline shows no host path.
 *
 * User paths are mounted parents-first (sorted by depth), so a read-only folder inside the clone, or a
 * writable HOME inside a read-only scratch folder, ends up on top.
 */
export function buildBwrapArgs(profile: BwrapProfile): string[] {
  const { layout } = profile;
  const args: string[] = ["--ro-bind", "/usr", "/usr"];
  for (const entry of layout.topLevel) {
    if (entry.kind === "symlink") args.push("--symlink", entry.target, entry.path);
    else args.push("--ro-bind", entry.path, entry.path);
  }
  for (const p of layout.etc) args.push("--ro-bind-try", p, p);
  for (const p of layout.extraReadOnly) args.push("--ro-bind-try", p, p);
  args.push("--tmpfs", "/tmp", "--tmpfs", "/var/tmp", "--proc", "/proc", "--dev", "/dev");

  const binds = new Map<string, boolean>(); // path -> writable
  for (const p of profile.readOnlyPaths) binds.set(path.resolve(p), binds.get(path.resolve(p)) ?? false);
  binds.set(path.resolve(profile.cwd), true);
  for (const p of profile.writablePaths) binds.set(path.resolve(p), true);
  const ordered = [...binds.entries()].sort((a, b) => depth(a[0]) - depth(b[0]));
  for (const [p, writable] of ordered) args.push(writable ? "--bind" : "--ro-bind", p, p);
  for (const b of profile.extraBinds ?? []) args.push("--bind", b.source, b.dest);

  args.push("--unshare-all");
  if (profile.shareHostNetwork === true) args.push("--share-net");
  args.push("--die-with-parent", "--new-session", "--cap-drop", "ALL", "--chdir", path.resolve(profile.cwd), "--");
  return args;
}
