import { mkdir, rm, statfs, writeFile } from "node:fs/promises";
import path from "node:path";
import type { DoctorCheck } from "./doctor-check.ts";
import { judgeFreeSpace } from "./judge-free-space.ts";

/** WORKSPACE_DIR exists (or can be made), this process can write in it, and its disk has room for clones. */
export const checkWorkspace: DoctorCheck = {
  name: "workspace",
  roles: ["doctor", "worker"],
  blocks: ["worker"],
  async run({ env }) {
    const dir = env.workspaceDir;
    const probe = path.join(dir, `.moderator-doctor-${process.pid}`);
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(probe, "ok");
      await rm(probe, { force: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "";
      const uid = process.getuid?.();
      return [
        {
          what: "workspace",
          status: "fail",
          detail: `cannot write in ${dir} (${code || (err as Error).message})${uid !== undefined ? ` as uid ${uid}` : ""}`,
          fix:
            code === "EACCES" || code === "EPERM"
              ? `make ${dir} writable by uid ${uid ?? "of Moderator"} (chown), or in Docker use the image's volumes, which it owns`
              : `set WORKSPACE_DIR to a writable folder`,
        },
      ];
    }
    const fs = await statfs(dir);
    return [judgeFreeSpace(dir, fs.bavail * fs.bsize)];
  },
};
