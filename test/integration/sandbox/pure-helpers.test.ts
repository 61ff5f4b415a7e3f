import { describe, expect, it } from "vitest";
import { buildBwrapArgs } from "../../../src/sandbox/build-bwrap-args.ts";
import { createLineSplitter } from "../../../src/sandbox/create-line-splitter.ts";
import type { HostLayout } from "../../../src/sandbox/host-layout.ts";
import { TailBuffer } from "../../../src/sandbox/tail-buffer.ts";

const layout: HostLayout = {
  topLevel: [
    { path: "/bin", kind: "symlink", target: "usr/bin" },
    { path: "/lib64", kind: "dir" },
  ],
  etc: ["/etc/ssl", "/etc/passwd"],
  extraReadOnly: ["/opt"],
};

/** Pairs like ["--bind", src, dest] -> "--bind src". */
function mounts(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (["--bind", "--ro-bind", "--ro-bind-try", "--symlink"].includes(a)) {
      out.push(`${a} ${args[i + 1]}${a === "--symlink" ? ` ${args[i + 2]}` : ""}`);
      i += 2;
    } else if (["--tmpfs", "--proc", "--dev"].includes(a)) {
      out.push(`${a} ${args[i + 1]}`);
      i += 1;
    }
  }
  return out;
}

describe("buildBwrapArgs", () => {
  it("exposes only the system folders, then user paths parents first", () => {
    const args = buildBwrapArgs({
      layout,
      cwd: "/work/ws/clone",
      readOnlyPaths: ["/scratch/run", "/work/ws/clone/.git"],
      writablePaths: ["/scratch/run/home"],
    });
    expect(mounts(args)).toEqual([
      "--ro-bind /usr",
      "--symlink usr/bin /bin",
      "--ro-bind /lib64",
      "--ro-bind-try /etc/ssl",
      "--ro-bind-try /etc/passwd",
      "--ro-bind-try /opt",
      "--tmpfs /tmp",
      "--tmpfs /var/tmp",
      "--proc /proc",
      "--dev /dev",
      "--ro-bind /scratch/run",
      "--bind /work/ws/clone",
      "--bind /scratch/run/home",
      "--ro-bind /work/ws/clone/.git",
    ]);
    expect(args).toContain("--unshare-all");
    expect(args).not.toContain("--share-net");
    expect(args.slice(-7)).toEqual(["--die-with-parent", "--new-session", "--cap-drop", "ALL", "--chdir", "/work/ws/clone", "--"]);
  });

  it("never shares the host's network, except for the sandbox: auto fallback", () => {
    const proxied = buildBwrapArgs({ layout, cwd: "/c", readOnlyPaths: [], writablePaths: [], extraBinds: [{ source: "/tmp/run/egress.sock", dest: "/run/moderator-egress.sock" }] });
    expect(proxied).not.toContain("--share-net");
    expect(proxied.join(" ")).toContain("--bind /tmp/run/egress.sock /run/moderator-egress.sock");
    const fallback = buildBwrapArgs({ layout, cwd: "/c", readOnlyPaths: [], writablePaths: [], shareHostNetwork: true });
    expect(fallback.indexOf("--share-net")).toBeGreaterThan(fallback.indexOf("--unshare-all"));
  });
});

describe("TailBuffer", () => {
  it("keeps the last bytes and says when it dropped some", () => {
    const tail = new TailBuffer(10);
    tail.push(Buffer.from("hello "));
    expect(tail.truncated).toBe(false);
    tail.push(Buffer.from("world, again"));
    expect(tail.toString()).toBe("rld, again");
    expect(tail.truncated).toBe(true);
    tail.push(Buffer.from("x".repeat(100)));
    expect(tail.toString()).toBe("x".repeat(10));
  });

  it("drops a multi-byte character cut at the start", () => {
    const tail = new TailBuffer(4);
    tail.push(Buffer.from("aé€"));
    expect(tail.toString()).toBe("€");
  });

  it("rejects a bad size", () => {
    expect(() => new TailBuffer(-1)).toThrow(/maxBytes must be a non-negative integer, got -1/);
  });
});

describe("createLineSplitter", () => {
  it("splits across chunks, strips CR and flushes the last line", () => {
    const lines: string[] = [];
    const split = createLineSplitter((l) => lines.push(l));
    split.push(Buffer.from("ab"));
    split.push(Buffer.from("c\r\nd\n\ne"));
    split.push(Buffer.from("f"));
    split.flush();
    expect(lines).toEqual(["abc", "d", "", "ef"]);
  });

  it("cuts long lines and drops the rest up to the newline", () => {
    const lines: string[] = [];
    const split = createLineSplitter((l) => lines.push(l), 4);
    split.push(Buffer.from("abcdefgh"));
    split.push(Buffer.from("ijk\nxy\n"));
    expect(lines).toEqual(["abcd", "xy"]);
  });

  it("keeps UTF-8 characters split between chunks", () => {
    const lines: string[] = [];
    const split = createLineSplitter((l) => lines.push(l));
    const bytes = Buffer.from("é\n");
    split.push(bytes.subarray(0, 1));
    split.push(bytes.subarray(1));
    expect(lines).toEqual(["é"]);
  });
});
