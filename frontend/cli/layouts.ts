// The CLI's layouts: each one a writer, chosen by the --layout name, that writes a bundle into a
// directory from the same plan, manifest, launch configurations and times policy as the
// frontend's LLB (assemble.ts, portable.ts, times.ts).
import { spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { posix } from "node:path";
import { HostFS, STATUS_DIR, type Plan } from "../closure/index.js";
import { pathBytes } from "../closure/fs.js";
import { Resolver } from "../closure/resolve.js";
import { MANIFEST_PATH } from "../assemble/manifest.js";
import { METADATA_MODE, type MetadataFile } from "../assemble/package-metadata.js";
import { launchConfig, PACK_LIST, packList } from "../assemble/portable.js";
import { setTime, stampTimes } from "../assemble/times.js";
import { launcherNames, type LayoutInputs } from "../bundle/layout-inputs.js";
import { writeEntryFiles } from "../single/run.js";
import type { BundleSpec } from "../dockerfile/bundle-spec.js";
import { toolPath } from "../trace/tools.js";
import { copyFileAs, copyPlan } from "./copy.js";
import type { Progress } from "./progress.js";

export interface WriteJob {
  /** The source's root directory on this machine ("/" for the host). */
  source: string;
  plan: Plan;
  inputs: LayoutInputs;
  spec: BundleSpec;
  /** The bundle's directory: the image root's equivalent. */
  out: string;
  progress: Progress;
}

export type LayoutWriter = (job: WriteJob) => Promise<void>;

export const LAYOUTS: Record<BundleSpec["layout"], LayoutWriter> = { rootfs: writeRootfs, portable: writePortable, "single-file": writeSingle };

/** The files at their paths, /.sidebundle/manifest.lock, --mkdir and --install-to. */
async function writeRootfs({ source, plan, inputs, spec, out, progress }: WriteJob): Promise<void> {
  await copyPlan(source, plan, out, progress);
  await writeMetadataFiles(out, inputs.metadata, inputs.times.own);
  await makeDirs(out, spec.mkdir);
  await mkdir(`${out}/.sidebundle`, { mode: 0o755 });
  await ownFile(`${out}${MANIFEST_PATH}`, inputs.manifest, 0o644, inputs.times.own);
  if (inputs.installTo) {
    const resolver = new Resolver(new HostFS(source));
    await mkdir(`${out}${inputs.installTo.dir}`, { recursive: true });
    for (const { name, from } of inputs.installTo.entries) {
      const found = await resolver.resolve(from);
      if (found?.stat.type !== "file") throw new Error(`--install-to: ${from} is not a file of the source`);
      await copyFileAs(pathBytes(source + found.path), pathBytes(`${out}${inputs.installTo.dir}/${name}`));
    }
  }
  await stampTimes(out, source, { payload: "", ...inputs.times });
}

/** payload/, bin/ launchers, launch/ configurations, manifest.lock, then the content store. */
async function writePortable({ source, plan, inputs, spec, out, progress }: WriteJob): Promise<void> {
  const root = posix.join(out, spec.prefix);
  const own = inputs.times.own;
  await copyPlan(source, plan, `${root}/payload`, progress);
  await writeMetadataFiles(`${root}/payload`, inputs.metadata, own);
  await makeDirs(`${root}/payload`, spec.mkdir);
  await mkdir(`${root}/bin`, { mode: 0o755 });
  await mkdir(`${root}/launch`, { mode: 0o755 });
  const launcher = inputs.launches.size ? await readFile(toolPath("sidebundle-launch")) : undefined;
  for (const [name, launch] of inputs.launches) {
    await ownFile(`${root}/bin/${name}`, launcher!, 0o755, own);
    await ownFile(`${root}/launch/${name}`, launchConfig(launch), 0o644, own);
  }
  await ownFile(`${root}/manifest.lock`, inputs.manifest, 0o644, own);
  await writeFile(pathBytes(root + PACK_LIST), packList(plan, inputs.digests));
  const pack = spawnSync(toolPath("sidebundle-pack"), [root, root + PACK_LIST], { encoding: "utf8" });
  if (pack.status !== 0) throw new Error(`deduplicating the payload failed: ${(pack.stderr || String(pack.error)).trim().split("\n")[0]}`);
  await stampTimes(out, source, { payload: posix.join(spec.prefix, "payload"), ...inputs.times });
}

/** The portable bundle, written to a temporary directory, as one file per entry name under --prefix. */
async function writeSingle(job: WriteJob): Promise<void> {
  const bundle = await mkdtemp(posix.join(tmpdir(), "sidebundle-single-"));
  try {
    await writePortable({ ...job, spec: { ...job.spec, prefix: "/" }, out: bundle });
    const names = [...launcherNames(job.spec).values()];
    const dir = posix.join(job.out, job.spec.prefix);
    await writeEntryFiles({ bundle, launcher: toolPath("sidebundle-single"), dir, names, own: job.inputs.times.own, top: job.out });
  } finally {
    await rm(bundle, { recursive: true, force: true });
  }
}

/** The package metadata for scanners (assemble/package-metadata.ts) under `root`. */
async function writeMetadataFiles(root: string, files: MetadataFile[], own: bigint): Promise<void> {
  if (!files.length) return;
  await mkdir(`${root}${STATUS_DIR}`, { recursive: true, mode: 0o755 });
  for (const f of files) await ownFile(`${root}${f.path}`, f.content, METADATA_MODE, own);
}

/** --mkdir directories with their modes (whatever the umask). */
async function makeDirs(root: string, dirs: { path: string; mode: number }[]): Promise<void> {
  for (const d of dirs) {
    await mkdir(`${root}${d.path}`, { recursive: true });
    await chmod(`${root}${d.path}`, d.mode);
  }
}

/** A file the bundle adds: its mode whatever the umask, dated `ns`. */
async function ownFile(path: string, content: string | Uint8Array, mode: number, ns: bigint): Promise<void> {
  await writeFile(path, content);
  await chmod(path, mode);
  await setTime(Buffer.from(path), ns);
}
