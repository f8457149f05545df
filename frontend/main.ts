// The sidebundle frontend process. BuildKit starts it with the LLBBridge on stdin/stdout, so
// nothing but gRPC may ever reach stdout.
import { buildWithBundles } from "./bundle/build.js";
import { forwardToDockerfileFrontend } from "./dockerfile/forward.js";
import { DockerfileSyntaxError, parseDockerfile, type Dockerfile } from "./dockerfile/parse.js";
import type { DockerfileSource } from "./dockerfile/read.js";
import { readDockerfile } from "./dockerfile/read.js";
import { rewriteBundles } from "./dockerfile/rewrite.js";
import { Gateway } from "./gateway/client.js";
import { FrontendError, toStatus } from "./gateway/errors.js";
import { frontendOptions } from "./gateway/options.js";
import { MINIMIZE_ARG, minimizeRequested, readMinimizeArgs } from "./minimize/args.js";
import type { Result } from "./gateway/types.js";

console.log = console.info = console.debug = console.error;

async function build(gw: Gateway): Promise<Result> {
  const opts = frontendOptions();
  // Subrequests (outline, targets, lint) describe the Dockerfile; they need no bundle built.
  const minimize = !opts.requestid && minimizeRequested(opts) ? readMinimizeArgs(opts) : undefined;
  const source = await readDockerfile(gw, opts);
  if (!source && minimize) throw new FrontendError(`${MINIMIZE_ARG} needs a local build context: a git or HTTP context's Dockerfile is built as it is`);
  if (!source) return forwardToDockerfileFrontend(gw, opts, undefined);
  const df = readDockerfileText(source);
  if (!df || (!minimize && !df.instructions.some((i) => i.keyword === "BUNDLE"))) return forwardToDockerfileFrontend(gw, opts, source);
  if (opts.requestid) return forwardToDockerfileFrontend(gw, opts, { ...source, data: rewriteBundles(df, new Map()) });
  return buildWithBundles(gw, opts, source, df, minimize);
}

/** Undefined when BuildKit's parser rejects the file: the builtin frontend then says why. */
function readDockerfileText(source: DockerfileSource): Dockerfile | undefined {
  try {
    return parseDockerfile(source.filename, source.data);
  } catch (err) {
    if (err instanceof DockerfileSyntaxError) return undefined;
    throw err;
  }
}

async function main(): Promise<number> {
  const gw = await Gateway.connect();
  try {
    const outcome = await build(gw).then(
      (result) => ({ result }),
      (err: unknown) => ({ error: toStatus(err) }),
    );
    await gw.return(outcome);
    return 0;
  } catch (err) {
    console.error("sidebundle: could not return the result to BuildKit:", err);
    return 1;
  } finally {
    gw.close();
  }
}

// stdin stays open until BuildKit closes it; the process ends when the result is returned.
process.exit(await main());
