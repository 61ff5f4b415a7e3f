import { existsSync, readFileSync } from "node:fs";

/** Whether this process runs in a container: Docker's /.dockerenv, Podman's /run/.containerenv, or a container cgroup. */
export function detectContainer(): boolean {
  if (existsSync("/.dockerenv") || existsSync("/run/.containerenv")) return true;
  try {
    return /\b(docker|kubepods|containerd|libpod|lxc)\b/.test(readFileSync("/proc/1/cgroup", "utf8"));
  } catch {
    return false;
  }
}
