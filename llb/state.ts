// Immutable LLB states, modelled on BuildKit's client/llb: each constructor makes one op, states
// are plain values that can be shared, and the graph is marshalled once at the end.
import { ExecVertex, type ExecSpec } from "./exec.js";
import { FileActions, FileVertex } from "./file.js";
import { DefinitionBuilder, type Definition } from "./marshal.js";
import { imageVertex, localVertex, type ImageOptions, type LocalOptions } from "./source.js";
import { ForeignVertex } from "./foreign.js";
import { Output, type OpOptions } from "./vertex.js";

/** Make states with the static constructors; `output` undefined is scratch. */
export class State {
  constructor(readonly output: Output | undefined) {}

  static scratch(): State {
    return new State(undefined);
  }

  static image(ref: string, opts: ImageOptions = {}): State {
    return new State(new Output(imageVertex(ref, opts), 0));
  }

  static local(name: string, opts: LocalOptions = {}): State {
    return new State(new Output(localVertex(name, opts), 0));
  }

  /** The result of a definition received from BuildKit (e.g. a delegated solve's Ref.def). */
  static fromDefinition(def: Definition): State {
    return def.def.length === 0 ? State.scratch() : new State(new Output(new ForeignVertex(def), 0));
  }

  file(actions: FileActions, opts: OpOptions = {}): State {
    return new State(new Output(new FileVertex(this.output, actions, opts), 0));
  }

  run(spec: ExecSpec, opts: OpOptions = {}): ExecResult {
    return new ExecResult(new ExecVertex(this, spec, opts));
  }

  marshal(): Definition {
    return new DefinitionBuilder().finish(this.output);
  }
}

export class ExecResult {
  constructor(private readonly vertex: ExecVertex) {}

  /** The state of the mount at `dest` after the process ran. */
  mount(dest: string): State {
    const index = this.vertex.outputIndex(dest);
    if (index === undefined) throw new Error(`exec mount ${dest} has no output`);
    return new State(new Output(this.vertex, index));
  }

  get root(): State {
    return this.mount("/");
  }
}
