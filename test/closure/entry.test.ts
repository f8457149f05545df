// Entries that can never run: each its own problem, before any closure is computed.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkEntry, EntryError, type EntryProblem } from "../../frontend/closure/entry.js";
import type { RootFS } from "../../frontend/closure/fs.js";
import { DynamicLoader } from "../../frontend/closure/ldso.js";
import { Resolver } from "../../frontend/closure/resolve.js";
import { memoryRoot, type OverlayNode } from "./helpers.js";

const elf = readFileSync("/bin/true");
const nodes: Record<string, OverlayNode> = {
  "/bin/sh": { file: elf },
  "/usr/bin/ok": { file: "#!/bin/sh\necho ok\n" },
  "/usr/bin/elf": { file: elf },
  "/usr/bin/link": { symlink: "elf" },
  "/usr/bin/dangling": { symlink: "/opt/gone" },
  "/usr/bin/dir": { dir: true },
  "/usr/bin/fifo": { file: "" },
  "/usr/bin/plain": { file: "not a program\n", mode: 0o644 },
  "/usr/bin/empty": { file: "" },
  "/usr/bin/text": { file: "echo no shebang\n" },
  "/usr/bin/crlf": { file: "#!/bin/sh\r\necho hi\r\n" },
  "/usr/bin/s1": { file: "#!/usr/bin/s2\n" },
  "/usr/bin/s2": { file: "#!/usr/bin/s1\n" },
  "/usr/bin/short": { file: elf.subarray(0, 20) },
  "/usr/bin/truncated": { file: elf.subarray(0, 100) },
  "/usr/bin/missing-interpreter": { file: "#!/usr/bin/python3\n" },
};

/** memoryRoot has no FIFOs: this one reports /usr/bin/fifo as one. */
function withFifo(fs: RootFS): RootFS {
  return { ...fs, readFile: fs.readFile.bind(fs), readdir: fs.readdir.bind(fs), readlink: fs.readlink.bind(fs), lstat: async (p) => (p === "/usr/bin/fifo" ? { type: "other", mode: 0o644, size: 0, uid: 0, gid: 0 } : fs.lstat(p)) };
}

async function problem(entry: string, path = "/usr/bin:/bin"): Promise<EntryProblem | string> {
  const resolver = new Resolver(withFifo(memoryRoot(nodes)));
  try {
    return await checkEntry(resolver, new DynamicLoader(resolver), entry, path);
  } catch (err) {
    if (err instanceof EntryError) return err.problem;
    throw err;
  }
}

describe("entries", () => {
  it("that can run: ELF programs, scripts, links, names on PATH, scripts whose interpreter the base may provide", async () => {
    expect(await problem("/usr/bin/elf")).toBe("/usr/bin/elf");
    expect(await problem("/usr/bin/ok")).toBe("/usr/bin/ok");
    expect(await problem("/usr/bin/link")).toBe("/usr/bin/link");
    expect(await problem("ok")).toBe("/usr/bin/ok");
    expect(await problem("/usr/bin/missing-interpreter")).toBe("/usr/bin/missing-interpreter");
  });

  it.each<[string, EntryProblem]>([
    ["nope", { kind: "not-on-path", entry: "nope", path: "/usr/bin:/bin" }],
    ["/usr/bin/nope", { kind: "missing", entry: "/usr/bin/nope" }],
    ["/usr/bin/dangling", { kind: "dangling-symlink", entry: "/usr/bin/dangling", target: "/opt/gone" }],
    ["/usr/bin/dir", { kind: "directory", entry: "/usr/bin/dir" }],
    ["/usr/bin/fifo", { kind: "special-file", entry: "/usr/bin/fifo" }],
    ["/usr/bin/plain", { kind: "not-executable", entry: "/usr/bin/plain" }],
    ["/usr/bin/empty", { kind: "empty", entry: "/usr/bin/empty" }],
    ["/usr/bin/text", { kind: "no-shebang", entry: "/usr/bin/text" }],
    ["/usr/bin/crlf", { kind: "crlf-shebang", entry: "/usr/bin/crlf", script: "/usr/bin/crlf", interpreter: "/bin/sh\r" }],
    ["/usr/bin/s1", { kind: "interpreter-loop", entry: "/usr/bin/s1", chain: ["/usr/bin/s1", "/usr/bin/s2", "/usr/bin/s1"] }],
    ["/usr/bin/short", { kind: "damaged-elf", entry: "/usr/bin/short", file: "/usr/bin/short", detail: "too short for an ELF header" }],
  ])("that cannot run: %s", async (entry, expected) => {
    expect(await problem(entry)).toEqual(expected);
  });

  it("that cannot run: a truncated ELF file, with what is wrong in it", async () => {
    expect(await problem("/usr/bin/truncated")).toEqual({ kind: "damaged-elf", entry: "/usr/bin/truncated", file: "/usr/bin/truncated", detail: "truncated ELF program headers" });
  });

  it("say which in one line", () => {
    expect(new EntryError({ kind: "crlf-shebang", entry: "/x", script: "/x", interpreter: "/bin/sh\r" }).message).toBe(
      'entry /x: the #! line of /x ends in a carriage return (CRLF line endings): the kernel looks for "/bin/sh\\r"',
    );
    expect(new EntryError({ kind: "not-on-path", entry: "jq", path: "/usr/bin:/bin" }).message).toBe("entry jq is not an executable file on the source's PATH (/usr/bin:/bin)");
  });
});
