// Hands a Dockerfile to BuildKit's builtin Dockerfile frontend (dockerfile.v0), with every option
// we received, and returns its result untouched: all platforms, image config, attestations,
// subrequest answers. The Dockerfile travels as the `dockerfile` input, line for line.
import { FileActions, State, type Definition } from "../../llb/index.js";
import type { Gateway } from "../gateway/client.js";
import type { FrontendOptions } from "../gateway/options.js";
import type { Result } from "../gateway/types.js";
import type { DockerfileSource } from "./read.js";

export interface Overrides {
  /** Options set on top of the received ones (e.g. target), or removed when undefined. */
  opts?: Record<string, string | undefined>;
  /** Inputs beside the Dockerfile, e.g. the named contexts that carry bundles. */
  inputs?: Record<string, Definition>;
}

export async function forwardToDockerfileFrontend(
  gw: Gateway,
  opts: FrontendOptions,
  dockerfile: DockerfileSource | undefined,
  overrides: Overrides = {},
): Promise<Result> {
  const frontendOpt: Record<string, string> = { ...opts };
  // The builtin only follows `# syntax=` (back to us) when cmdline is absent.
  frontendOpt.cmdline ??= "sidebundle";
  delete frontendOpt["build-arg:BUILDKIT_SYNTAX"];
  for (const [key, value] of Object.entries(overrides.opts ?? {})) {
    if (value === undefined) delete frontendOpt[key];
    else frontendOpt[key] = value;
  }
  const inputs = { ...(await gw.inputs()), ...overrides.inputs };
  if (dockerfile) {
    // A dockerfile local named by dockerfilekey would win over the input.
    delete frontendOpt.dockerfilekey;
    inputs.dockerfile = dockerfileInput(dockerfile).marshal();
  }
  return gw.solve({ Frontend: "dockerfile.v0", FrontendOpt: frontendOpt, FrontendInputs: inputs });
}

function dockerfileInput(src: DockerfileSource): State {
  const path = `/${src.filename}`;
  let actions = FileActions.empty();
  const dir = path.slice(0, path.lastIndexOf("/"));
  if (dir) actions = actions.mkdir(dir, 0o755, { parents: true });
  actions = actions.mkfile(path, 0o644, src.data);
  if (src.dockerignore) actions = actions.mkfile(`${path}.dockerignore`, 0o644, src.dockerignore);
  return State.scratch().file(actions, { customName: `[internal] sidebundle: pass ${src.filename} to the Dockerfile frontend` });
}
