// Reads the Dockerfile the way BuildKit's own Dockerfile frontend (dockerui) does: from the
// `dockerfile` input if the client sent one, else from the client's `dockerfile` local.
// Identical source op bytes make our load and the builtin's one shared (cached) vertex.
import { posix } from "node:path";
import { State } from "../../llb/index.js";
import { BuildkitError, FrontendError } from "../gateway/errors.js";
import type { Gateway } from "../gateway/client.js";
import type { FrontendOptions } from "../gateway/options.js";

export interface DockerfileSource {
  filename: string;
  data: Buffer;
  /** `<filename>.dockerignore` beside the Dockerfile, which takes precedence over the context's. */
  dockerignore?: Buffer;
}

const DEFAULT_NAME = "Dockerfile";
const { basename, dirname, join } = posix;

/** Undefined when the context is a git or HTTP URL: then the Dockerfile lives in that context. */
export async function readDockerfile(gw: Gateway, opts: FrontendOptions): Promise<DockerfileSource | undefined> {
  if (isRemoteContext(opts[opts.contextkey ?? "context"])) return undefined;
  const filename = opts.filename ?? DEFAULT_NAME;
  const ref = await solveDockerfileSource(gw, opts, filename);
  const data = await readWithLowercaseFallback(gw, ref, filename);
  const dockerignore = await gw.readFile(ref, `${filename}.dockerignore`).catch(() => undefined);
  return { filename, data, dockerignore };
}

async function solveDockerfileSource(gw: Gateway, opts: FrontendOptions, filename: string): Promise<string> {
  const localName = opts.dockerfilekey;
  const input = localName === undefined ? (await gw.inputs()).dockerfile : undefined;
  const state = input ? State.fromDefinition(input) : dockerfileLocal(localName ?? "dockerfile", filename);
  const result = await gw.solve({ Definition: state.marshal() });
  return result.ref?.id ?? "";
}

function dockerfileLocal(localName: string, filename: string): State {
  const followPaths = [filename, `${filename}.dockerignore`];
  if (basename(filename) === DEFAULT_NAME) followPaths.push(join(dirname(filename), DEFAULT_NAME.toLowerCase()));
  return State.local(localName, {
    followPaths,
    sessionId: process.env.BUILDKIT_SESSION_ID,
    sharedKeyHint: localName,
    differ: "none",
    customName: `[internal] load build definition from ${filename}`,
  });
}

async function readWithLowercaseFallback(gw: Gateway, ref: string, filename: string): Promise<Buffer> {
  try {
    return await gw.readFile(ref, filename);
  } catch (err) {
    if (basename(filename) === DEFAULT_NAME) {
      const lower = join(dirname(filename), DEFAULT_NAME.toLowerCase());
      const data = await gw.readFile(ref, lower).catch(() => undefined);
      if (data) return data;
    }
    const why = err instanceof BuildkitError ? err.message : String(err);
    throw new FrontendError(`failed to read dockerfile: ${why}`);
  }
}

/** Git and HTTP(S) contexts, which dockerui detects before anything else. */
function isRemoteContext(context: string | undefined): boolean {
  return !!context && /^(git:\/\/|git@|github\.com\/|https?:\/\/)/.test(context);
}
