// The times op's program over real directories: the source's times kept, clamped to
// SOURCE_DATE_EPOCH, directories set last, hard links kept.
import { linkSync, lstatSync, mkdirSync, mkdtempSync, symlinkSync, utimesSync, lutimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stampTimes } from "../../frontend/assemble/times.js";

const S = 1_000_000_000n;
const seconds = (path: string | Buffer) => lstatSync(path, { bigint: true }).mtimeNs / S;

/** Makes the paths under `root` (a trailing / for a directory, "->" for a symlink) with these times in seconds. */
function tree(root: string, paths: Record<string, number>): string {
  for (const spec of Object.keys(paths)) {
    const [path, target] = spec.split(" -> ");
    const full = join(root, path);
    if (path.endsWith("/")) mkdirSync(full, { recursive: true });
    else if (target) symlinkSync(target, full);
    else writeFileSync(full, path);
  }
  // Deepest first, so a directory's time is not changed by what is made in it.
  for (const [spec, time] of Object.entries(paths).reverse()) lutimesSync(join(root, spec.split(" -> ")[0]), time, time);
  return root;
}

function dirs(): { tree: string; source: string } {
  const base = mkdtempSync(join(tmpdir(), "sb-times-"));
  return { tree: join(base, "tree"), source: join(base, "source") };
}

describe("stampTimes", () => {
  it("gives directories the source's times, or `own` where the source has no directory; files keep theirs", async () => {
    const d = dirs();
    tree(d.source, { "/": 50, "/usr/": 100, "/usr/lib/": 200, "/etc/": 300, "/lib -> usr/lib": 400, "/lib2/": 500 });
    tree(d.tree, { "/": 9, "/usr/": 9, "/usr/lib/": 9, "/usr/lib/a.py": 150, "/.sidebundle/": 9, "/lib/": 9, "/lib/x/": 9, "/etc/": 9 });
    await stampTimes(d.tree, d.source, { payload: "", own: 7n * S });
    expect(seconds(join(d.tree, "/"))).toBe(7n);
    expect(seconds(join(d.tree, "usr"))).toBe(100n);
    expect(seconds(join(d.tree, "usr/lib"))).toBe(200n);
    expect(seconds(join(d.tree, "usr/lib/a.py"))).toBe(150n);
    expect(seconds(join(d.tree, "etc"))).toBe(300n);
    expect(seconds(join(d.tree, ".sidebundle"))).toBe(7n);
    // /lib is a symlink in the source: neither it nor anything under it is looked up through it.
    expect(seconds(join(d.tree, "lib"))).toBe(7n);
    expect(seconds(join(d.tree, "lib/x"))).toBe(7n);
  });

  it("clamps every time to SOURCE_DATE_EPOCH, symlinks' own included", async () => {
    const d = dirs();
    tree(d.source, { "/": 50, "/old/": 100, "/new/": 900 });
    tree(d.tree, { "/": 9, "/old/": 9, "/new/": 9, "/new/f": 800, "/old/f": 100, "/new/l -> f": 850 });
    await stampTimes(d.tree, d.source, { payload: "", own: 500n * S, clamp: 500n * S });
    expect(["/", "old", "new", "new/f", "old/f", "new/l"].map((p) => seconds(join(d.tree, p)))).toEqual([500n, 100n, 500n, 500n, 100n, 500n]);
  });

  it("maps a portable bundle's payload to the source's root, dated `own` as the rest of the layout", async () => {
    const d = dirs();
    tree(d.source, { "/": 50, "/usr/": 100 });
    tree(d.tree, { "/": 9, "/bin/": 9, "/payload/": 9, "/payload/usr/": 9, "/usr/": 9 });
    await stampTimes(d.tree, d.source, { payload: "/payload", own: 7n * S });
    expect(["/", "bin", "payload", "payload/usr", "usr"].map((p) => seconds(join(d.tree, p)))).toEqual([7n, 7n, 7n, 100n, 7n]);
  });

  it("keeps hard links linked when it clamps them, and their directories' times", async () => {
    const d = dirs();
    tree(d.source, { "/": 50 });
    tree(d.tree, { "/": 9, "/data/": 9, "/payload/": 9, "/payload/a": 800 });
    linkSync(join(d.tree, "payload/a"), join(d.tree, "data/sha"));
    linkSync(join(d.tree, "payload/a"), join(d.tree, "payload/b"));
    utimesSync(join(d.tree, "payload/a"), 800, 800);
    await stampTimes(d.tree, d.source, { payload: "/payload", own: 7n * S, clamp: 500n * S });
    const [a, b, data] = ["payload/a", "payload/b", "data/sha"].map((p) => lstatSync(join(d.tree, p)));
    expect([a.ino, a.nlink, a.mtimeMs]).toEqual([data.ino, 3, 500_000]);
    expect(b.ino).toBe(a.ino);
    expect(["data", "payload"].map((p) => seconds(join(d.tree, p)))).toEqual([7n, 7n]);
  });

  it("finds names that are not UTF-8, in the tree and in the source", async () => {
    const d = dirs();
    tree(d.source, { "/": 50 });
    tree(d.tree, { "/": 9 });
    const name = Buffer.from("d\xe9r", "latin1");
    const [inSource, inTree] = [d.source, d.tree].map((root) => Buffer.concat([Buffer.from(`${root}/`), name]));
    mkdirSync(inSource);
    utimesSync(inSource, 100, 100);
    mkdirSync(inTree);
    writeFileSync(Buffer.concat([inTree, Buffer.from("/f\xff", "latin1")]), "x");
    lutimesSync(Buffer.concat([inTree, Buffer.from("/f\xff", "latin1")]), 800, 800);
    await stampTimes(d.tree, d.source, { payload: "", own: 7n * S, clamp: 500n * S });
    expect(seconds(inTree)).toBe(100n);
    expect(lstatSync(Buffer.concat([inTree, Buffer.from("/f\xff", "latin1")])).mtimeMs).toBe(500_000);
  });
});
