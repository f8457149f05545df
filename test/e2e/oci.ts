// Reads an OCI image layout tar (`--output type=oci`): every platform's image config and files.
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { extract } from "tar-stream";
import { tarStreamEntries, type TarEntry } from "./docker.js";

interface Descriptor {
  mediaType: string;
  digest: string;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface PlatformImage {
  /** The image config, as JSON. */
  config: { architecture: string; os: string; variant?: string; config?: Record<string, unknown>; history?: unknown[] };
  /** The root file system: the layers applied in order (whiteouts honoured), sorted by name. */
  files: TarEntry[];
  /** The layers' size, uncompressed. */
  bytes: number;
}

/** The layout's images by platform (os/arch[/variant]); attestation manifests are left out. */
export async function ociImages(file: string): Promise<Map<string, PlatformImage>> {
  const blobs = await tarFiles(readFileSync(file));
  const json = (digest: string) => JSON.parse(blob(blobs, digest).toString("utf8"));
  const top = JSON.parse(blobs.get("index.json")!.toString("utf8")).manifests as Descriptor[];
  const images = new Map<string, PlatformImage>();
  for (const desc of top.flatMap((d) => (d.mediaType.endsWith("index.v1+json") ? (json(d.digest).manifests as Descriptor[]) : [d]))) {
    if (desc.annotations?.["vnd.docker.reference.type"] === "attestation-manifest") continue;
    const manifest = json(desc.digest);
    const config = json(manifest.config.digest);
    const id = [config.os, config.architecture, ...(config.variant ? [config.variant] : [])].join("/");
    images.set(id, { config, ...(await rootfs(blobs, manifest.layers)) });
  }
  return images;
}

function blob(blobs: Map<string, Buffer>, digest: string): Buffer {
  const data = blobs.get(`blobs/${digest.replace(":", "/")}`);
  if (!data) throw new Error(`the layout has no blob ${digest}`);
  return data;
}

async function rootfs(blobs: Map<string, Buffer>, layers: Descriptor[]): Promise<{ files: TarEntry[]; bytes: number }> {
  const files = new Map<string, TarEntry>();
  let bytes = 0;
  for (const layer of layers) {
    const data = blob(blobs, layer.digest);
    const tar = layer.mediaType.endsWith("gzip") ? gunzipSync(data) : data;
    bytes += tar.length;
    for (const entry of await tarStreamEntries(Readable.from([tar]))) {
      const name = entry.name.replace(/^\.?\//, "").replace(/\/$/, "");
      const base = name.slice(name.lastIndexOf("/") + 1);
      if (base.startsWith(".wh.")) {
        const dir = name.slice(0, name.length - base.length);
        const gone = base === ".wh..wh..opq" ? dir : dir + base.slice(4);
        for (const key of [...files.keys()]) if (key === gone || key.startsWith(gone.endsWith("/") ? gone : `${gone}/`)) files.delete(key);
        continue;
      }
      files.set(name, { ...entry, name });
    }
  }
  return { files: [...files.values()].sort((a, b) => a.name.localeCompare(b.name)), bytes };
}

/** Every regular file of a tar in memory, by name. */
function tarFiles(tar: Buffer): Promise<Map<string, Buffer>> {
  return readTarFiles(Readable.from([tar]));
}

/** Every regular file of a tar stream, by name (without a leading "./"). */
export async function readTarFiles(input: NodeJS.ReadableStream): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const ex = extract();
  ex.on("entry", (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c) => chunks.push(c as Buffer));
    stream.on("end", () => {
      if (header.type === "file") files.set(header.name.replace(/^\.\//, ""), Buffer.concat(chunks));
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    ex.on("finish", resolve);
    ex.on("error", reject);
    input.pipe(ex);
  });
  return files;
}
