// BUNDLE from a stage with a non-root USER (a name, a uid, uid:gid, a uid with no passwd entry)
// and a WORKDIR: the trace runs as RUN runs (same user, groups and directory: the traced command
// fails the build otherwise), resolve works, --test runs as that user in the bundle, and the image
// answers as the fat stage does for the traced user and for others.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { docker, dockerOk, requireFrontendImage } from "./docker.js";

function dockerfile(user: string, testGroups: string): string {
  return `# syntax=sidebundle/frontend
FROM debian:bookworm-slim AS build
RUN groupadd -g 1000 app && useradd -u 1000 -g app -G staff app && mkdir /work && chown app:app /work
USER ${user}
WORKDIR /work
RUN echo "$(id) $(pwd)" > /tmp/as-run

FROM scratch
BUNDLE --from=build --trace='test "$(id) $(pwd)" = "$(cat /tmp/as-run)"' --test="id -G" --test-stdout="${testGroups}" /usr/bin/id
BUNDLE --from=build --test=pwd --test-stdout=/work /bin/pwd
ENTRYPOINT ["/usr/bin/id"]
`;
}

// --test runs as the stage's uid:gid (supplementary groups need the source's /etc/group).
const FORMS = [
  { user: "app", testGroups: "1000" },
  { user: "1000", testGroups: "1000" },
  { user: "1000:50", testGroups: "50" },
  { user: "4242", testGroups: "0" },
];

beforeAll(requireFrontendImage);

async function build(user: string, testGroups: string): Promise<{ bundle: string; fat: string }> {
  const dir = mkdtempSync(join(tmpdir(), "sb-user-"));
  writeFileSync(join(dir, "Dockerfile"), dockerfile(user, testGroups));
  const bundle = (await dockerOk(["buildx", "build", "--quiet", dir])).stdout.trim();
  const fat = (await dockerOk(["buildx", "build", "--quiet", "--target", "build", dir])).stdout.trim();
  return { bundle, fat };
}

/** `id` run as `user` in the image: the bundle's entrypoint, or the fat stage's id. */
async function id(image: string, user: string, args: string[] = [], fat = false): Promise<string> {
  const run = await docker(["run", "--rm", "--network", "none", "--user", user, ...(fat ? ["--entrypoint", "id"] : []), image, ...args]);
  return `${run.code} ${run.stdout}${run.stderr}`;
}

describe.each(FORMS)("BUNDLE from a stage with USER $user and WORKDIR /work", ({ user, testGroups }) => {
  let images: { bundle: string; fat: string };
  beforeAll(async () => {
    images = await build(user, testGroups);
  });

  it("traces, resolves and tests as that user; the image answers as the fat stage for it", async () => {
    const expected = await id(images.fat, user, [], true);
    expect(expected).toMatch(/^0 uid=/);
    expect(await id(images.bundle, user)).toBe(expected);
  });

  it("answers as the fat stage for other users and names (untraced)", async () => {
    for (const [as, args] of [["0", []], ["33:33", []], ["1000", ["root"]], ["4242", ["app"]]] as const) {
      const expected = await id(images.fat, as, [...args], true);
      expect(expected).toMatch(/^0 uid=/);
      expect(await id(images.bundle, as, [...args])).toBe(expected);
    }
  });
});

describe("BUNDLE from a stage with a non-root USER: what fails", () => {
  it("fails the build when the trace does not run as RUN did", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-user-"));
    writeFileSync(join(dir, "Dockerfile"), dockerfile("app", "1000").replace("$(pwd)\" = ", "/elsewhere\" = "));
    const run = await docker(["buildx", "build", dir]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("[sidebundle 1/");
  });
});
