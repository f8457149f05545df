// Layer flattening on crafted layers: whiteouts, opaque directories, hard links across layers,
// symlinks replaced by a later layer's directories (never written through), and the image formats
// that carry the layers (a `docker save` directory, an OCI layout archive with gzip layers).
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pack, type Header } from "tar-stream";
import { beforeAll, describe, expect, it } from "vitest";
import { flattenLayers } from "../../frontend/cli/image/flatten.js";
import { openImage } from "../../frontend/cli/image/image.js";

type Member = Partial<Header> & { name: string; content?: string };

function tar(members: Member[]): Promise<Buffer> {
  return tarBuffers(members.map(({ content, ...header }) => ({ header: { mtime: new Date(1_600_000_000_000), ...header }, data: Buffer.from(content ?? "") })));
}

async function tarBuffers(members: { header: Member; data: Buffer }[]): Promise<Buffer> {
  const p = pack();
  for (const m of members) p.entry(m.header, m.data);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of p) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const dir = (name: string, extra: Partial<Header> = {}): Member => ({ name, type: "directory", mode: 0o755, ...extra });
const file = (name: string, content: string, extra: Partial<Header> = {}): Member => ({ name, type: "file", mode: 0o644, content, ...extra });

let work: string;
/** A directory of this machine that an absolute symlink of the image names. */
let outside: string;

const layers = (): Member[][] => [
  [
    dir("etc/"), file("etc/a", "one"), file("etc/keep", "kept"), { name: "etc/alt", type: "symlink", linkname: "keep" },
    dir("opt/"), dir("opt/d/"), file("opt/d/old", "old"), dir("opt/d/sub/"), file("opt/d/sub/older", "older"),
    dir("usr/"), dir("usr/lib/"), file("usr/lib/x", "x"),
    { name: "lib", type: "symlink", linkname: "usr/lib" },
    { name: "evil", type: "symlink", linkname: outside },
    dir("data/"), file("data/orig", "shared", { mode: 0o640, uid: 1000, gid: 1001 }),
    dir("gone/"), file("gone/f", "f"),
    dir("ro/", { mode: 0o555 }),
  ],
  [
    file("etc/.wh.a", ""),
    dir("opt/d/"), file("opt/d/.wh..wh..opq", ""), file("opt/d/new", "new"),
    { name: "data/link", type: "link", linkname: "data/orig" },
    dir("bin/"), file("bin/a", "same"), { name: "bin/b", type: "link", linkname: "bin/a" },
    file("lib/own", "own"),
    file("evil/x", "x"),
    file(".wh.gone", ""),
    file("ro/f", "written into a read-only directory"),
  ],
  [file("data/orig", "rewritten"), dir("etc/", { mtime: new Date(1_700_000_000_000) })],
];

let root: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "flatten-"));
  outside = join(work, "outside");
  mkdirSync(outside);
  const files: string[] = [];
  for (const [i, members] of layers().entries()) {
    files.push(join(work, `layer${i}.tar`));
    writeFileSync(files[i], await tar(members));
  }
  root = join(work, "rootfs");
  await flattenLayers(files, root);
});

const read = (path: string) => readFileSync(join(root, path), "utf8");
const exists = (path: string) => {
  try {
    lstatSync(join(root, path));
    return true;
  } catch {
    return false;
  }
};

describe("flattenLayers", () => {
  it("deletes what a whiteout names, files and whole directories", () => {
    expect(exists("etc/a")).toBe(false);
    expect(read("etc/keep")).toBe("kept");
    expect(exists("gone")).toBe(false);
  });

  it("empties an opaque directory of the lower layers' contents, keeping the layer's own", () => {
    expect(readdirSync(join(root, "opt/d")).sort()).toEqual(["new"]);
  });

  it("links hard links to a lower layer's file and within a layer", () => {
    expect(lstatSync(join(root, "bin/a")).ino).toBe(lstatSync(join(root, "bin/b")).ino);
    expect(lstatSync(join(root, "bin/a")).nlink).toBe(2);
    // The link was made to layer 1's file; layer 3 then replaced that path, not the link's content.
    expect(read("data/link")).toBe("shared");
    expect(read("data/orig")).toBe("rewritten");
  });

  it("keeps modes and owners", () => {
    expect(lstatSync(join(root, "ro")).mode & 0o7777).toBe(0o555);
    expect(read("ro/f")).toBe("written into a read-only directory");
    const st = lstatSync(join(root, "data/link"));
    expect(st.mode & 0o7777).toBe(0o640);
    expect([st.uid, st.gid]).toEqual(process.getuid?.() === 0 ? [1000, 1001] : [process.getuid?.(), process.getgid?.()]);
  });

  it("replaces a lower layer's symlink with the directory a later layer writes into, never following it", () => {
    expect(lstatSync(join(root, "lib")).isDirectory()).toBe(true);
    expect(read("lib/own")).toBe("own");
    expect(exists("usr/lib/own")).toBe(false);
    expect(read("usr/lib/x")).toBe("x");
    expect(lstatSync(join(root, "evil")).isDirectory()).toBe(true);
    expect(readdirSync(outside)).toEqual([]);
  });

  it("keeps a symlink that no later layer replaces, and dates directories from their last layer", () => {
    expect(readlinkSync(join(root, "etc/alt"))).toBe("keep");
    expect(lstatSync(join(root, "etc")).mtimeMs).toBe(1_700_000_000_000);
    expect(lstatSync(join(root, "usr/lib")).mtimeMs).toBe(1_600_000_000_000);
  });
});

const sha = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describe("openImage", () => {
  it("reads a `docker save` directory's manifest.json and config", async () => {
    const dir = mkdtempSync(join(tmpdir(), "save-"));
    writeFileSync(join(dir, "l1.tar"), await tar([file("hello", "hi")]));
    writeFileSync(join(dir, "config.json"), JSON.stringify({ config: { Env: ["PATH=/opt/bin"], User: "7" } }));
    writeFileSync(join(dir, "manifest.json"), JSON.stringify([{ Config: "config.json", Layers: ["l1.tar"] }]));
    const image = await openImage(dir, mkdtempSync(join(tmpdir(), "work-")));
    expect(image.config).toEqual({ Env: ["PATH=/opt/bin"], User: "7" });
    expect(image.layers).toEqual([join(dir, "l1.tar")]);
  });

  it("reads an OCI layout archive through its index, with gzip layers", async () => {
    const layer = gzipSync(await tar([dir("etc/"), file("etc/os", "oci")]));
    const config = Buffer.from(JSON.stringify({ config: { Env: ["A=1"] } }));
    const manifest = Buffer.from(JSON.stringify({ config: { digest: `sha256:${sha(config)}` }, layers: [{ digest: `sha256:${sha(layer)}` }] }));
    const index = { manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${sha(manifest)}`, platform: { os: "linux", architecture: "amd64" } }] };
    const archive = await tarBuffers([
      { header: { name: "index.json" }, data: Buffer.from(JSON.stringify(index)) },
      ...[config, layer, manifest].map((b) => ({ header: { name: `blobs/sha256/${sha(b)}` }, data: b })),
    ]);
    const path = join(mkdtempSync(join(tmpdir(), "oci-")), "image.tar");
    writeFileSync(path, archive);
    const image = await openImage(path, mkdtempSync(join(tmpdir(), "work-")));
    expect(image.config).toEqual({ Env: ["A=1"] });
    const out = join(mkdtempSync(join(tmpdir(), "root-")), "rootfs");
    await flattenLayers(image.layers, out);
    expect(readFileSync(join(out, "etc/os"), "utf8")).toBe("oci");
  });

  it("refuses a file that is not a tar archive, as a usage error", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "bad-")), "image.tar");
    writeFileSync(path, "not a tar");
    await expect(openImage(path, mkdtempSync(join(tmpdir(), "work-")))).rejects.toThrow(/not a tar archive/);
  });
});
