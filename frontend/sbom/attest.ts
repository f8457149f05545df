// The SBOM attestation on a build's result: `docker buildx build --sbom=true` asks for one with the
// `attest:sbom` option. With BUNDLE the frontend writes its own document (spdx.ts) for each
// platform and BuildKit, seeing an SPDX attestation there, runs no scanner of its own (which would
// pull a scanner image); dockerfile.v0 is not asked to scan either.
import { FileActions, State } from "../../llb/index.js";
import type { Gateway } from "../gateway/client.js";
import type { FrontendOptions } from "../gateway/options.js";
import { IN_TOTO, type Attestation, type Result } from "../gateway/types.js";
import { SPDX_PREDICATE } from "./spdx.js";

/** The options that ask for an SBOM (frontend/attestations in BuildKit reads both spellings). */
const SBOM_OPTIONS = ["attest:sbom", "build-arg:BUILDKIT_ATTEST_SBOM"];

const PATH = "/sbom.spdx.json";

export function sbomRequested(opts: FrontendOptions): boolean {
  return SBOM_OPTIONS.some((key) => opts[key] !== undefined && !/(^|,)disabled=true(,|$)/.test(opts[key]!));
}

export function withoutSbomOptions(opts: FrontendOptions): FrontendOptions {
  return Object.fromEntries(Object.entries(opts).filter(([key]) => !SBOM_OPTIONS.includes(key)));
}

/** The platform ids of a result: its refs.platforms metadata (exptypes.Platforms, Go's field names), else its refs' keys. */
export function platformIds(result: Result): string[] {
  const listed = result.metadata?.["refs.platforms"];
  if (listed) return (JSON.parse(Buffer.from(listed).toString("utf8")) as { Platforms?: { ID: string }[] }).Platforms?.map((p) => p.ID) ?? [];
  return Object.keys(result.refs?.refs ?? {});
}

/** The result with `documents` (by platform id) attached as in-toto SPDX attestations. */
export async function attachSboms(gw: Gateway, result: Result, documents: Map<string, object>): Promise<Result> {
  const attestations = { ...result.attestations };
  for (const [platform, doc] of documents) {
    const file = State.scratch().file(FileActions.empty().mkfile(PATH, 0o644, JSON.stringify(doc, null, 2) + "\n"), { customName: `[sidebundle] SBOM (${platform})` });
    const ref = (await gw.solve({ Definition: file.marshal(), Evaluate: true })).ref;
    const attestation: Attestation = {
      kind: IN_TOTO,
      // The core SBOM: the exporter adds each file's layer to it.
      metadata: { reason: Buffer.from("sbom"), "sbom-core": Buffer.from("sbom") },
      ref,
      path: PATH,
      inTotoPredicateType: SPDX_PREDICATE,
    };
    attestations[platform] = { attestation: [...(attestations[platform]?.attestation ?? []), attestation] };
  }
  return { ...result, attestations };
}
