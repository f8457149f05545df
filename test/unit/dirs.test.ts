// fileInTheWay: a directory that --mkdir or --install-to would make where the bundle has a file.
import { describe, expect, it } from "vitest";
import { fileInTheWay } from "../../frontend/assemble/dirs.js";
import type { Plan, PlanEntry } from "../../frontend/closure/index.js";

const dir = (path: string): PlanEntry => ({ kind: "dir", path, mode: 0o755, reasons: [{ kind: "parent" }] });
const file = (path: string): PlanEntry => ({ kind: "file", path, size: 1, mode: 0o755, reasons: [{ kind: "entry" }] });
const link = (path: string, target: string): PlanEntry => ({ kind: "symlink", path, target, reasons: [{ kind: "entry" }] });

const plan: Plan = {
  entries: [
    link("/lib", "usr/lib"),
    dir("/usr"),
    dir("/usr/bin"),
    file("/usr/bin/python3.11"),
    link("/usr/bin/python3", "python3.11"),
    dir("/usr/lib"),
    file("/usr/lib/libc.so.6"),
  ],
  warnings: [],
};

describe("fileInTheWay", () => {
  it("finds a file at the directory's path or above it", () => {
    expect(fileInTheWay(plan, "/usr/bin/python3.11")).toBe("/usr/bin/python3.11");
    expect(fileInTheWay(plan, "/usr/bin/python3.11/site")).toBe("/usr/bin/python3.11");
  });

  it("follows the bundle's symlinks, relative and through parents", () => {
    expect(fileInTheWay(plan, "/usr/bin/python3/x")).toBe("/usr/bin/python3.11");
    expect(fileInTheWay(plan, "/lib/libc.so.6")).toBe("/usr/lib/libc.so.6");
    expect(fileInTheWay(plan, "/usr/bin/../lib/libc.so.6/x")).toBe("/usr/lib/libc.so.6");
  });

  it("lets directories be made in directories, existing or new", () => {
    for (const ok of ["/usr/bin", "/lib/python3", "/var/empty", "/usr/lib/new/deeper"]) expect(fileInTheWay(plan, ok)).toBeUndefined();
  });

  it("stops at a symlink loop instead of spinning", () => {
    const loop: Plan = { entries: [link("/a", "b"), link("/b", "a")], warnings: [] };
    expect(fileInTheWay(loop, "/a/x")).toBeUndefined();
  });
});
