// --from-image: a `docker save` archive (its manifest.json), an OCI image layout (index.json), as
// a directory or an archive, or an image name that the Docker engine saves. The result: the
// layer files in order and the image's config.
import { createReadStream } from "node:fs";
import { mkdir, open, readFile, stat, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { extract } from "tar-stream";
import { UsageError } from "../errors.js";
import { dockerEngine, runDocker } from "./docker.js";
import { entryPath } from "./flatten.js";

export interface ImageConfig {
  Env?: string[];
  User?: string;
  WorkingDir?: string;
}

export interface OpenedImage {
  layers: string[];
  config: ImageConfig;
  /** How a container of it can be started, when it is an image of the engine already. */
  name?: string;
  /** Whether `docker load` takes it: a `docker save` archive (Docker 26 loads no plain OCI layout). */
  loadable: boolean;
}

/** `work` is a scratch directory the archive is unpacked into. */
export async function openImage(image: string, work: string): Promise<OpenedImage> {
  const st = await stat(image).catch(() => undefined);
  if (st?.isDirectory()) return { ...(await readLayout(image)), loadable: false };
  if (st?.isFile()) {
    await unpack(image, join(work, "image"));
    return readLayout(join(work, "image"));
  }
  const engine = dockerEngine();
  if (!engine.reachable) throw new UsageError(`--from-image ${image}: no such file or directory, and no Docker engine is reachable to save an image of that name (${engine.why})`);
  const archive = join(work, "image.tar");
  await runDocker(["save", "--output", archive, image], `saving the image ${image}`);
  await unpack(archive, join(work, "image"));
  return { ...(await readLayout(join(work, "image"))), name: image };
}

interface DockerManifest {
  Config: string;
  Layers: string[];
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  platform?: { os?: string; architecture?: string };
}

async function readLayout(dir: string): Promise<OpenedImage> {
  const docker = await json<DockerManifest[]>(join(dir, "manifest.json")).catch(() => undefined);
  if (docker?.length) {
    const [first] = docker;
    const config = await json<{ config?: ImageConfig }>(join(dir, first.Config));
    return { layers: first.Layers.map((layer) => join(dir, layer)), config: config.config ?? {}, loadable: true };
  }
  const index = await json<{ manifests?: Descriptor[] }>(join(dir, "index.json")).catch(() => undefined);
  if (!index) throw new UsageError(`--from-image: ${dir} is neither a \`docker save\` archive nor an OCI image layout (no manifest.json or index.json)`);
  const manifest = await ociManifest(dir, index.manifests ?? []);
  const config = await json<{ config?: ImageConfig }>(blob(dir, manifest.config));
  return { layers: manifest.layers.map((layer) => blob(dir, layer)), config: config.config ?? {}, loadable: false };
}

const INDEX_TYPES = new Set(["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"]);
const ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" };

/** The image manifest for this machine's platform, following nested indexes. */
async function ociManifest(dir: string, manifests: Descriptor[]): Promise<{ config: Descriptor; layers: Descriptor[] }> {
  const ours = manifests.filter((m) => !m.platform || (m.platform.os === "linux" && m.platform.architecture === ARCH[process.arch]));
  const chosen = ours.find((m) => !m.platform?.architecture || m.platform.architecture !== "unknown");
  if (!chosen) throw new Error(`the image has no manifest for linux/${ARCH[process.arch]}`);
  const doc = await json<{ mediaType?: string; manifests?: Descriptor[]; config: Descriptor; layers: Descriptor[] }>(blob(dir, chosen));
  if (INDEX_TYPES.has(chosen.mediaType ?? "") || doc.manifests) return ociManifest(dir, doc.manifests ?? []);
  return doc;
}

function blob(dir: string, d: Descriptor): string {
  const [algorithm, hex] = d.digest.split(":");
  if (!/^[a-z0-9]+$/.test(algorithm) || !/^[a-f0-9]+$/.test(hex)) throw new Error(`the image names a blob ${JSON.stringify(d.digest)}, which is not a digest`);
  return join(dir, "blobs", algorithm, hex);
}

async function json<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, "utf8")) as T;
}

/** An image archive's files and symlinks (the legacy format links repeated layers) into `dir`. */
async function unpack(archive: string, dir: string): Promise<void> {
  await assertTar(archive);
  await mkdir(dir, { recursive: true });
  const ex = extract();
  const input = createReadStream(archive);
  input.on("error", (err) => ex.destroy(err));
  input.pipe(ex);
  for await (const entry of ex) {
    const path = entryPath(entry.header.name);
    if (path !== undefined && entry.header.type !== "directory") {
      const at = join(dir, path);
      await mkdir(dirname(at), { recursive: true });
      if (entry.header.type === "symlink") await symlink(entry.header.linkname, at);
      else if (entry.header.type === "file") {
        const file = await open(at, "w");
        try {
          for await (const chunk of entry) await file.write(chunk as Uint8Array);
        } finally {
          await file.close();
        }
      }
    }
    entry.resume();
  }
}

/** A tar archive has "ustar" at offset 257 of its first header. */
async function assertTar(file: string): Promise<void> {
  const handle = await open(file, "r");
  const { buffer, bytesRead } = await handle.read(Buffer.alloc(5), 0, 5, 257).finally(() => handle.close());
  if (bytesRead < 5 || buffer.toString("latin1") !== "ustar") throw new UsageError(`--from-image ${file}: not a tar archive (\`docker save\` or an OCI layout archive)`);
}
