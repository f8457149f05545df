// What the gateway tells the frontend through files rather than gRPC.
import { readFile } from "node:fs/promises";
import { decodeDefinition, State } from "../../llb/index.js";

// BuildKit 0.10 and later mount the frontend image's own definition here.
const FRONTEND_DEFINITION = "/run/config/buildkit/metadata/frontend.bin";

/** The frontend's own image, as BuildKit resolved it to start this process. */
export async function frontendImage(): Promise<State> {
  const bytes = await readFile(FRONTEND_DEFINITION).catch(() => {
    throw new Error(`BuildKit did not mount ${FRONTEND_DEFINITION}: BUNDLE needs BuildKit 0.10 or later`);
  });
  return State.fromDefinition(decodeDefinition(bytes));
}
