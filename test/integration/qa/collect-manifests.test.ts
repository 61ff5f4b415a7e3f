import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { collectManifests } from "../../../src/qa/collect-manifests.ts";

describe("collectManifests", () => {
  it("reads the manifests of each changed file's folder and its ancestors, nothing else", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "manifests-"));
    await mkdir(path.join(dir, "packages/a/src"), { recursive: true });
    await mkdir(path.join(dir, "packages/b"), { recursive: true });
    await writeFile(path.join(dir, "package.json"), '{"name":"root"}');
    await writeFile(path.join(dir, "tsconfig.json"), "{}");
    await writeFile(path.join(dir, "packages/a/package.json"), '{"name":"a"}');
    await writeFile(path.join(dir, "packages/b/package.json"), '{"name":"b"}');
    await writeFile(path.join(dir, "packages/a/requirements-dev.txt"), "pytest\n");
    await writeFile(path.join(dir, "packages/a/src/index.ts"), "");
    await writeFile(path.join(dir, "README.md"), "");
    const m = await collectManifests(dir, ["packages/a/src/index.ts", "packages/a/src/gone.ts"]);
    expect(Object.keys(m).sort()).toEqual(["package.json", "packages/a/package.json", "packages/a/requirements-dev.txt", "tsconfig.json"]);
    expect(m["packages/a/package.json"]).toBe('{"name":"a"}');
  });
});
