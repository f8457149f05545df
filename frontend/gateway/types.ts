// The shapes of the LLBBridge messages as the frontend sees them (protobufjs plain objects).
import type { Definition, LineRange, Platform } from "../../llb/index.js";

export interface APICap {
  ID: string;
  Enabled?: boolean;
  DisabledReasonMsg?: string;
}

export interface WorkerRecord {
  ID?: string;
  platforms?: Platform[];
  BuildkitVersion?: { version?: string };
}

export interface Pong {
  FrontendAPICaps?: APICap[];
  LLBCaps?: APICap[];
  Workers?: WorkerRecord[];
}

export interface Ref {
  id?: string;
  def?: Definition;
}

export interface Result {
  ref?: Ref;
  refs?: { refs?: Record<string, Ref> };
  metadata?: Record<string, Uint8Array>;
  /** By platform id (exptypes' refs.platforms). */
  attestations?: Record<string, { attestation?: Attestation[] }>;
}

/** AttestationKind InToto: the file at `path` of `ref` is the statement's predicate. */
export const IN_TOTO = 0;

export interface Attestation {
  kind?: number;
  metadata?: Record<string, Uint8Array>;
  ref?: Ref;
  path?: string;
  inTotoPredicateType?: string;
}

export interface SolveRequest {
  Definition?: Definition;
  Frontend?: string;
  FrontendOpt?: Record<string, string>;
  FrontendInputs?: Record<string, Definition>;
  Evaluate?: boolean;
}

export interface Stat {
  path: string;
  mode: number;
  uid?: number;
  gid?: number;
  size?: number;
  linkname?: string;
}

export interface Status {
  code: number;
  message: string;
  details?: { type_url: string; value: Uint8Array }[];
}

export interface WarnRequest {
  digest: string;
  level?: number;
  short: string;
  detail?: string[];
  url?: string;
  info?: { filename: string; data: Uint8Array; language?: string };
  ranges?: LineRange[];
}
