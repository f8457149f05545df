// The sidebundle frontend process. BuildKit starts it with the LLBBridge on stdin/stdout, so
// nothing but gRPC may ever reach stdout.
import { Gateway } from "./gateway/client.js";
import { toStatus } from "./gateway/errors.js";
import { frontendOptions } from "./gateway/options.js";
import { forwardToDockerfileFrontend } from "./dockerfile/forward.js";
import { readDockerfile } from "./dockerfile/read.js";
import type { Result } from "./gateway/types.js";

console.log = console.info = console.debug = console.error;

async function build(gw: Gateway): Promise<Result> {
  const opts = frontendOptions();
  const dockerfile = await readDockerfile(gw, opts);
  return forwardToDockerfileFrontend(gw, opts, dockerfile);
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
