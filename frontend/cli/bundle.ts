// `sidebundle bundle`: the programs' source (this machine's root, or an image's flattened layers),
// the --trace runs, the closure worked out by the resolve step's own code, and the layout written
// by the writer its name chooses.
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HostFS } from "../closure/index.js";
import { bundleWarnings, dirsInTheWay, launcherNames, layoutInputs, resolveRequest, traceFailure } from "../bundle/layout-inputs.js";
import { readLog, resolveBundle, type Resolved } from "../resolve/resolution.js";
import { envRecord } from "../source/source.js";
import { OWN_DIRS } from "../trace/tools.js";
import type { BundleArgs } from "./bundle-args.js";
import { asUsage, UsageError } from "./errors.js";
import { dockerEngine, runDocker } from "./image/docker.js";
import { flattenLayers } from "./image/flatten.js";
import { openImage, type ImageConfig } from "./image/image.js";
import { LAYOUTS } from "./layouts.js";
import { Progress } from "./progress.js";
import { traceInContainer, traceOnHost, type TraceFiles, type TraceRunner } from "./traces.js";

interface Source {
  /** The source's root directory on this machine. */
  root: string;
  env: Record<string, string>;
  tracer: TraceRunner;
  /** Paths the traces see that are ours, not the source's. */
  ignore: string[];
  /** What the source left in the Docker engine, removed at the end. */
  dispose?: () => Promise<unknown>;
}

export async function bundleCommand(args: BundleArgs): Promise<void> {
  const { spec } = args;
  const out = resolve(args.out);
  const progress = Progress.for(args.progress);
  if (spec.layout === "portable") asUsage(() => launcherNames(spec));
  await checkOut(out);
  const work = await mkdtemp(join(tmpdir(), "sidebundle-"));
  let source: Source | undefined;
  try {
    source = args.image ? await imageSource(args.image, spec.traces.length > 0, work, progress) : hostSource();
    const traces: TraceFiles[] = [];
    for (const [i, cmd] of spec.traces.entries()) {
      progress.step(`trace: ${cmd.text}`);
      traces.push(await source.tracer(spec, cmd, args.limit, join(work, `trace-${i + 1}`)));
    }
    progress.step("resolve closure");
    const request = resolveRequest(spec, source.env, source.ignore);
    const resolution = await resolveBundle(new HostFS(source.root), request, traces.map((t) => readLog(t.log)));
    if ("error" in resolution) throw new Error(resolution.error);
    if ("traceFailed" in resolution) {
      const f = resolution.traceFailed;
      throw new Error(traceFailure(spec, f, await readFile(traces[f.trace].tail, "utf8").catch(() => ""), args.limit));
    }
    warn(resolution);
    const inTheWay = dirsInTheWay(spec, resolution.plan);
    if (inTheWay) throw new UsageError(inTheWay);
    const files = resolution.plan.entries.flatMap((e) => (e.kind === "file" ? [e.size] : []));
    progress.step(`write ${spec.layout}: ${files.length} files, ${(files.reduce((a, b) => a + b, 0) / 1e6).toFixed(1)} MB`);
    const inputs = layoutInputs(spec, resolution, args.epoch);
    await LAYOUTS[spec.layout]({ source: source.root, plan: resolution.plan, inputs, spec, out, progress });
    progress.step(`done: ${out}`);
  } finally {
    await source?.dispose?.();
    await rm(work, { recursive: true, force: true });
  }
}

/** This machine's root, its programs traced here. */
function hostSource(): Source {
  const env = Object.fromEntries(Object.entries(process.env).filter((kv): kv is [string, string] => kv[1] !== undefined));
  return { root: "/", env, tracer: traceOnHost, ignore: [] };
}

/** The image's layers flattened into `work`; its programs traced in a container when asked. */
async function imageSource(image: string, traced: boolean, work: string, progress: Progress): Promise<Source> {
  // A --trace needs an engine: known before the layers are read.
  const engine = traced ? dockerEngine() : undefined;
  if (engine && !engine.reachable) {
    throw new Error(`--trace on an image runs its programs in a container of it, which needs a Docker engine (docker on PATH, with DOCKER_HOST or the default socket): ${engine.why}; without --trace the image is analysed statically`);
  }
  progress.step(`read image ${image}`);
  const opened = await openImage(image, work);
  const root = join(work, "rootfs");
  progress.step(`flatten ${opened.layers.length} layers`);
  await flattenLayers(opened.layers, root, (done) => progress.count("layers", done, opened.layers.length));
  const source = { root, env: envRecord(opened.config.Env), ignore: OWN_DIRS };
  if (!traced || opened.name) return { ...source, tracer: traceInContainer(opened.name ?? "") };
  if (opened.loadable) return { ...source, tracer: traceInContainer(await loadImage(image)) };
  const id = await importImage(root, opened.config, progress);
  return { ...source, tracer: traceInContainer(id), dispose: () => runDocker(["image", "rm", id], "removing the imported image") };
}

/** A `docker save` archive loaded into the engine, for its containers: the image's name or id. */
async function loadImage(archive: string): Promise<string> {
  const loaded = await runDocker(["load", "--input", archive], `loading ${archive} into the Docker engine`);
  const match = /Loaded image(?: ID)?: (\S+)/.exec(loaded);
  if (!match) throw new Error(`loading ${archive} into the Docker engine named no image`);
  return match[1];
}

/**
 * An OCI layout, which `docker load` does not take, as an image of the engine: its flattened
 * files imported, with its ENV, USER and WORKDIR. The image's id.
 */
async function importImage(root: string, config: ImageConfig, progress: Progress): Promise<string> {
  progress.step("import the image's files into the Docker engine");
  const quoted = (v: string) => JSON.stringify(v);
  const changes = [
    ...(config.Env ?? []).map((kv) => `ENV ${kv.slice(0, kv.indexOf("="))}=${quoted(kv.slice(kv.indexOf("=") + 1))}`),
    ...(config.User ? [`USER ${config.User}`] : []),
    ...(config.WorkingDir ? [`WORKDIR ${config.WorkingDir}`] : []),
  ];
  const tar = spawn("tar", ["-C", root, "--numeric-owner", "-c", "."], { stdio: ["ignore", "pipe", "inherit"] });
  const id = await runDocker(["import", ...changes.flatMap((c) => ["--change", c]), "-"], "importing the image's files into the Docker engine", { input: tar.stdout });
  return id.trim();
}

/** OUT may exist, empty: the bundle is all it will hold. */
async function checkOut(out: string): Promise<void> {
  const names = await readdir(out).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [];
    throw new UsageError(`-o ${out}: ${err.code === "ENOTDIR" ? "not a directory" : err.message}`);
  });
  if (names.length) throw new UsageError(`-o ${out}: the directory is not empty`);
}

/** Build warnings, as the frontend gives them: on stderr, whatever the progress display. */
function warn(resolved: Resolved): void {
  for (const w of bundleWarnings(resolved)) process.stderr.write(`sidebundle: warning: ${w}\n`);
}
