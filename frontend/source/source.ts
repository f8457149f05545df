// The source of a BUNDLE: a stage of the same Dockerfile, solved through dockerfile.v0 (its
// Ref.def is reused, so nothing is built twice), or an image.
import { normalizeImageRef, State, type Platform } from "../../llb/index.js";
import { forwardToDockerfileFrontend, type Overrides } from "../dockerfile/forward.js";
import { errorAt, type Dockerfile, type Instruction, type Stage } from "../dockerfile/parse.js";
import type { DockerfileSource } from "../dockerfile/read.js";
import type { Gateway } from "../gateway/client.js";
import type { FrontendOptions } from "../gateway/options.js";

/** An OCI image's runtime config, as BuildKit's exporters read it. */
export interface ImageConfig {
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  /** SHELL: what shell-form commands (a CMD-SHELL health check) run through. */
  Shell?: string[];
  ExposedPorts?: Record<string, object>;
  Volumes?: Record<string, object>;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: Healthcheck;
  OnBuild?: string[] | null;
  ArgsEscaped?: boolean;
}

export interface Healthcheck {
  /** ["NONE"], ["CMD", argv...] or ["CMD-SHELL", command]. */
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export interface Source {
  state: State;
  ref: string;
  config: ImageConfig;
}

export interface SourceRequest {
  gw: Gateway;
  opts: FrontendOptions;
  df: Dockerfile;
  ins: Instruction;
  from: string;
  platform: Platform;
  /** The Dockerfile as dockerfile.v0 may see it now (earlier BUNDLEs rewritten, later ones blanked). */
  dockerfile: DockerfileSource;
  overrides: Overrides;
}

export async function solveSource(req: SourceRequest): Promise<Source> {
  const stage = req.df.stages.find((s) => s.name === req.from.toLowerCase());
  if (!stage) {
    if (/^\d+$/.test(req.from)) throw errorAt(req.df, req.ins, `BUNDLE: --from=${req.from}: name the stage (FROM ... AS <name>) to bundle from it`);
    return solveImage(req);
  }
  if (stage.index >= req.ins.stage) {
    throw errorAt(req.df, req.ins, `BUNDLE: --from=${req.from}: a stage can only bundle from an earlier stage`);
  }
  return solveStage(req, stage);
}

/** A stage of the Dockerfile as dockerfile.v0 builds it, with its image config. */
export async function solveStage(req: Omit<SourceRequest, "from" | "ins">, stage: Stage): Promise<Source> {
  const overrides = { ...req.overrides, opts: { ...req.overrides.opts, target: stage.name } };
  const result = await forwardToDockerfileFrontend(req.gw, req.opts, req.dockerfile, overrides);
  const ref = result.ref;
  if (!ref?.id || !ref.def) throw new Error(`stage ${stage.name} gave no single result`);
  const config = result.metadata?.["containerimage.config"];
  return { state: State.fromDefinition(ref.def), ref: ref.id, config: config ? parseConfig(config) : {} };
}

async function solveImage(req: SourceRequest): Promise<Source> {
  const resolveMode = req.opts["image-resolve-mode"];
  const ref = normalizeImageRef(req.from);
  const { config } = await req.gw
    .resolveImageConfig(ref, { platform: req.platform, resolveMode, logName: `[internal] load metadata for ${ref}` })
    .catch((err: Error) => {
      const stages = req.df.stages.flatMap((s) => s.name ?? []).join(", ") || "none named";
      throw errorAt(req.df, req.ins, `BUNDLE: --from=${req.from} is neither a stage of this Dockerfile (${stages}) nor an image that can be resolved: ${err.message}`);
    });
  const state = State.image(ref, { platform: req.platform, resolveMode: resolveMode as "pull" | "local" | undefined });
  const result = await req.gw.solve({ Definition: state.marshal() });
  return { state, ref: result.ref?.id ?? "", config: parseConfig(config) };
}

function parseConfig(bytes: Uint8Array): ImageConfig {
  return (JSON.parse(Buffer.from(bytes).toString("utf8")).config ?? {}) as ImageConfig;
}

/** Env as a record, later entries winning, for the closure engine (PATH, LD_LIBRARY_PATH). */
export function envRecord(env: string[] = []): Record<string, string> {
  return Object.fromEntries(env.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
}
