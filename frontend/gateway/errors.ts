// Errors are returned to BuildKit as google.rpc.Status. Errors from BuildKit itself (a nested
// solve, a read) are passed through unchanged so their Dockerfile snippets and vertex details
// survive; our own errors carry an errdefs.Source detail so the client prints the user's line.
import type { LineRange } from "../../llb/index.js";
import type { Status } from "./types.js";

// Unknown for every error: with any other code each hop back to the client prefixes the
// message with the code's name ("InvalidArgument: InvalidArgument: …").
const GRPC_UNKNOWN = 2;

export interface SourceSpan {
  filename: string;
  data: Uint8Array;
  ranges: LineRange[];
}

/** A failure the user caused; `source` names the Dockerfile lines. */
export class FrontendError extends Error {
  constructor(
    message: string,
    readonly source?: SourceSpan,
  ) {
    super(message);
  }
}

/** A failed call to BuildKit, with the status it sent. */
export class BuildkitError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
  }
}

const SOURCE_TYPE_URL = "github.com/moby/buildkit/errdefs.Source+json";

export function toStatus(err: unknown): Status {
  return withSource(statusOf(err));
}

function statusOf(err: unknown): Status {
  if (err instanceof BuildkitError) return err.status;
  if (err instanceof FrontendError) {
    return { code: GRPC_UNKNOWN, message: err.message, details: err.source ? [sourceDetail(err.source)] : [] };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: GRPC_UNKNOWN, message: `sidebundle: internal error: ${message.split("\n")[0]}` };
}

/**
 * When we run through `# syntax=`, the builtin frontend that started us pins any error without a
 * source location on the syntax line. The builtin itself shows no snippet for such errors (an
 * unknown target, say), so an unlocated error gets a source detail with no ranges: nothing is
 * printed, as with the builtin.
 */
function withSource(status: Status): Status {
  const details = status.details ?? [];
  if (details.some((d) => d.type_url === SOURCE_TYPE_URL)) return status;
  return { ...status, details: [...details, sourceDetail({ filename: "", data: new Uint8Array(), ranges: [] })] };
}

// The detail's value is JSON (errdefs.Source registered as "+json"), not protobuf.
function sourceDetail(span: SourceSpan): { type_url: string; value: Uint8Array } {
  const value = {
    info: { filename: span.filename, data: Buffer.from(span.data).toString("base64"), language: "Dockerfile" },
    ranges: span.ranges,
  };
  return { type_url: SOURCE_TYPE_URL, value: Buffer.from(JSON.stringify(value)) };
}
