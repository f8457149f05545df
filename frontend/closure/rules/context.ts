import type { Warning } from "../reasons.js";
import type { Resolver } from "../resolve.js";

/** What the runtime-data rules look at. */
export interface RuleContext {
  resolver: Resolver;
  /** Resolved paths of every ELF object in the closure. */
  objects: string[];
  /** Paths the counted trace touched, successfully or not. */
  traced: string[];
  /** The entries and every program the counted trace executed, as spelled. */
  programs: string[];
  warn(warning: Warning): void;
}
