// Which stages a build needs, as dockerfile.v0 decides it: the target and every stage it reaches
// through FROM <stage>, COPY --from=<stage>, RUN --mount=from=<stage> and BUNDLE --from=<stage>.
import { parseBundle, type BundleSpec } from "../dockerfile/bundle-spec.js";
import type { Dockerfile, Instruction, Stage } from "../dockerfile/parse.js";
import { FrontendError } from "../gateway/errors.js";

export interface NeededBundle {
  ins: Instruction;
  spec: BundleSpec;
  /** The stage --from names, if it is one. */
  source?: Stage;
}

/** The target stage: the named one, else the last; an unknown name fails as dockerfile.v0 fails. */
export function targetStage(df: Dockerfile, target: string | undefined): Stage | undefined {
  if (!target) return df.stages.at(-1);
  const stage = df.stages.find((s) => s.name === target.toLowerCase());
  if (!stage) throw new FrontendError(`target stage "${target}" could not be found`);
  return stage;
}

/** A stage's FROM line. */
export function stageStart(df: Dockerfile, stage: Stage): Instruction {
  return df.instructions.find((i) => i.keyword === "FROM" && i.stage === stage.index)!;
}

/** The BUNDLEs of the stages `target` needs, in file order, their flags read. */
export function neededBundles(df: Dockerfile, target: Stage | undefined): NeededBundle[] {
  const bundles = new Map<Instruction, NeededBundle>();
  walk(df, target, (ins) => {
    const spec = parseBundle(df, ins);
    const bundle = { ins, spec, source: stageNamed(df, spec.from) };
    bundles.set(ins, bundle);
    return bundle.source;
  });
  return df.instructions.flatMap((ins) => bundles.get(ins) ?? []);
}

/** The indexes of the stages `stage` needs, itself included. */
export function reachableStages(df: Dockerfile, bundles: readonly NeededBundle[], stage: Stage): Set<number> {
  const sources = new Map(bundles.map((b) => [b.ins, b.source]));
  return walk(df, stage, (ins) => sources.get(ins));
}

/** The target and the stages it is built FROM, in turn: the stages whose files the image holds as they are. */
export function imageStages(df: Dockerfile, target: Stage | undefined): Set<number> {
  const stages = new Set<number>();
  for (let stage = target; stage && !stages.has(stage.index); stage = stageNamed(df, stage.base)) stages.add(stage.index);
  return stages;
}

function walk(df: Dockerfile, start: Stage | undefined, bundleSource: (ins: Instruction) => Stage | undefined): Set<number> {
  const seen = new Set<number>();
  const visit = (stage: Stage | undefined) => {
    if (!stage || seen.has(stage.index)) return;
    seen.add(stage.index);
    for (const ins of df.instructions.filter((i) => i.stage === stage.index)) {
      if (ins.keyword === "BUNDLE") visit(bundleSource(ins));
      else for (const name of stageReferences(ins)) visit(stageNamed(df, name));
    }
  };
  visit(start);
  return seen;
}

/** Names an instruction may use for another stage (or an image: the caller looks them up). */
function stageReferences(ins: Instruction): string[] {
  if (ins.keyword === "FROM") return [ins.args.split(/\s+/).find((w) => !w.startsWith("--")) ?? ""];
  if (ins.keyword === "COPY") return flagValues(ins.flags, "from");
  if (ins.keyword === "RUN") {
    return flagValues(ins.flags, "mount").flatMap((mount) => mount.split(",").flatMap((kv) => (kv.startsWith("from=") ? [kv.slice(5)] : [])));
  }
  return [];
}

function flagValues(flags: string[], name: string): string[] {
  return flags.filter((f) => f.startsWith(`${name}=`)).map((f) => f.slice(name.length + 1));
}

/** A stage by name (as BuildKit matches it, case-insensitively) or by index. */
function stageNamed(df: Dockerfile, name: string): Stage | undefined {
  const lower = name.toLowerCase();
  return df.stages.find((s) => s.name === lower) ?? (/^\d+$/.test(name) ? df.stages[Number(name)] : undefined);
}
