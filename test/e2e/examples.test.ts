// Every example is an end-to-end test: built with the frontend, run with `docker run`.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { docker, dockerOk, requireFrontendImage } from "./docker.js";

const EXAMPLES = join(import.meta.dirname, "../../examples");

beforeAll(requireFrontendImage);

describe("examples/passthrough", () => {
  it("builds through sidebundle and runs", async () => {
    const tag = "sidebundle-e2e/example-passthrough";
    const build = await dockerOk(["buildx", "build", "--progress=plain", "--tag", tag, join(EXAMPLES, "passthrough")]);
    expect(build.stderr).toContain("sidebundle: pass");
    const run = await docker(["run", "--rm", "--network=none", tag]);
    expect(run).toEqual({ code: 0, stdout: "built by sidebundle/frontend\n", stderr: "" });
  });
});
