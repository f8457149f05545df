import { describe, expect, it } from "vitest";
import { Resolver, SymlinkLoopError } from "../../frontend/closure/resolve.js";
import { memoryRoot } from "./helpers.js";

const root = memoryRoot({
  "/usr/lib/libz.so.1.2.13": { file: "z" },
  "/usr/lib/libz.so.1": { symlink: "libz.so.1.2.13" },
  "/usr/lib/libz.so": { symlink: "/lib/libz.so.1" },
  "/lib": { symlink: "usr/lib" },
  "/etc/escape-abs": { symlink: "/../../../usr/lib/libz.so.1" },
  "/etc/escape-rel": { symlink: "../../../../usr/lib/libz.so.1" },
  "/etc/passwd-link": { symlink: "/../../etc/passwd" },
  "/loop/a": { symlink: "b" },
  "/loop/b": { symlink: "/loop/a" },
  "/opt/self": { symlink: "self" },
});

describe("path resolution inside the root", () => {
  const resolver = new Resolver(root);

  it("follows a chain of absolute and relative links and records each hop", async () => {
    const found = await resolver.resolve("/usr/lib/libz.so");
    expect(found?.path).toBe("/usr/lib/libz.so.1.2.13");
    expect(found?.links).toEqual([
      { path: "/usr/lib/libz.so", target: "/lib/libz.so.1" },
      { path: "/lib", target: "usr/lib" },
      { path: "/usr/lib/libz.so.1", target: "libz.so.1.2.13" },
    ]);
  });

  it("keeps the final link when not following it", async () => {
    const found = await resolver.resolve("/lib/libz.so.1", false);
    expect(found?.path).toBe("/usr/lib/libz.so.1");
    expect(found?.stat.type).toBe("symlink");
  });

  it("never leaves the root through '..' or absolute targets", async () => {
    expect((await resolver.resolve("/etc/escape-abs"))?.path).toBe("/usr/lib/libz.so.1.2.13");
    expect((await resolver.resolve("/etc/escape-rel"))?.path).toBe("/usr/lib/libz.so.1.2.13");
    expect((await resolver.resolve("/../../usr/lib/../lib/libz.so.1"))?.path).toBe("/usr/lib/libz.so.1.2.13");
    expect(await resolver.resolve("/etc/passwd-link")).toBeUndefined();
  });

  it("resolves '..' after a link physically, like the kernel", async () => {
    // /lib/.. is /usr (the link's target's parent), not /
    expect((await resolver.resolve("/lib/../lib/libz.so.1"))?.path).toBe("/usr/lib/libz.so.1.2.13");
  });

  it("reports loops as an error instead of hanging", async () => {
    await expect(resolver.resolve("/loop/a")).rejects.toThrow(SymlinkLoopError);
    await expect(resolver.resolve("/opt/self/x")).rejects.toThrow(/too many levels of symbolic links/);
  });

  it("answers undefined for missing paths and files used as directories", async () => {
    expect(await resolver.resolve("/usr/lib/nope")).toBeUndefined();
    expect(await resolver.resolve("/usr/lib/libz.so.1.2.13/x")).toBeUndefined();
  });
});
