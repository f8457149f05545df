// A real server whose workers drop privileges and which writes state at start-up: Debian's
// nginx. Its master (root) makes /var/lib/nginx/body and writes /run/nginx.pid; its workers
// switch to www-data (setgid, initgroups, setuid: unreadable from the setgid on, until nginx's own
// prctl(PR_SET_DUMPABLE)) before they open the pages they serve, as another user than the tracer. Traced with nothing but the
// server and a probe; the bundle must start in `docker run` and serve the traced page, the same
// file under another request path, and nginx's own 404.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker, dockerOk, requireFrontendImage, tarEntries, type TarEntry } from "./docker.js";

const DOCKERFILE = `# syntax=sidebundle/frontend
FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends nginx-light curl && rm -rf /var/lib/apt/lists/*
# As images that let the workers own their state do (Debian leaves it to root).
RUN chown -R www-data:www-data /var/lib/nginx

FROM scratch
BUNDLE --from=build --trace-timeout=10s \\
       --trace='curl -fsS -o /dev/null --retry 20 --retry-delay 1 --retry-connrefused http://127.0.0.1/ & exec nginx -g "daemon off;"' \\
       /usr/sbin/nginx
ENTRYPOINT ["/usr/sbin/nginx", "-g", "daemon off;"]
`;

const BUNDLE = "sidebundle-e2e/nginx";
const FAT = "sidebundle-e2e/nginx-fat";
const STATE_DIRS = ["/var/lib/nginx", "/var/log/nginx", "/run"];
let entries: TarEntry[];
let warnings: string;
let server: string | undefined;

beforeAll(async () => {
  await requireFrontendImage();
  const dir = mkdtempSync(join(tmpdir(), "sb-nginx-"));
  writeFileSync(join(dir, "Dockerfile"), DOCKERFILE);
  await dockerOk(["buildx", "build", "--target", "build", "-t", FAT, dir]);
  const build = await dockerOk(["buildx", "build", "--progress", "plain", "-t", BUNDLE, dir]);
  warnings = build.stderr;
  const tar = join(dir, "out.tar");
  await dockerOk(["buildx", "build", "--output", `type=tar,dest=${tar}`, dir]);
  entries = await tarEntries(tar);
}, 600_000);

afterAll(async () => {
  if (server) await docker(["rm", "-f", server]);
});

const entry = (path: string) => entries.find((e) => e.name.replace(/\/$/, "") === path.slice(1));

/** `curl` from the fat image in the server's network namespace: status line and body. */
async function get(path: string): Promise<{ status: string; body: string }> {
  const run = await dockerOk(["run", "--rm", "--network", `container:${server}`, "--entrypoint", "curl", FAT,
    "-sS", "--retry", "20", "--retry-delay", "1", "--retry-connrefused", "-w", "\n%{http_code}", `http://127.0.0.1${path}`]);
  const cut = run.stdout.lastIndexOf("\n");
  return { status: run.stdout.slice(cut + 1), body: run.stdout.slice(0, cut) };
}

describe("nginx, whose workers drop privileges", () => {
  it("keeps the pages the workers opened, and no trace path is lost", () => {
    expect(entry("/var/www/html/index.nginx-debian.html")?.type).toBe("file");
    expect(warnings).not.toMatch(/could not be read/);
  });

  it("keeps the state directories, and every directory with the source's mode and owner", async () => {
    for (const dir of STATE_DIRS) expect(entry(dir)?.type).toBe("directory");
    // Not the bundle's own: its manifest and the package metadata for scanners (bundle-scanners.test.ts).
    const own = (name: string) => name.startsWith(".sidebundle") || name.startsWith("var/lib/dpkg/status.d");
    const dirs = entries.filter((e) => e.type === "directory" && !own(e.name)).map((e) => "/" + e.name.replace(/\/$/, ""));
    const source = await dockerOk(["run", "--rm", "--entrypoint", "stat", FAT, "-c", "%n %u %g %a", ...dirs]);
    for (const line of source.stdout.trim().split("\n")) {
      const [path, uid, gid, mode] = line.split(" ");
      expect({ path, ...entry(path!) }).toMatchObject({ path, type: "directory", uid: Number(uid), gid: Number(gid), mode: parseInt(mode!, 8) });
    }
    expect(entry("/var/lib/nginx")).toMatchObject({ uid: 33, gid: 33 }); // www-data
    for (const tmp of ["/tmp", "/var/tmp"]) expect(entry(tmp)).toMatchObject({ type: "directory", mode: 0o1777, uid: 0, gid: 0 });
  });

  it("starts in docker run and serves the traced page, another path to it and its 404", async () => {
    server = (await dockerOk(["run", "-d", "--network", "none", BUNDLE])).stdout.trim();
    const page = (await dockerOk(["run", "--rm", "--entrypoint", "cat", FAT, "/var/www/html/index.nginx-debian.html"])).stdout;
    expect(page).toContain("Welcome to nginx!");
    expect(await get("/")).toEqual({ status: "200", body: page });
    expect(await get("/index.nginx-debian.html")).toEqual({ status: "200", body: page });
    const missing = await get("/missing.html");
    expect(missing.status).toBe("404");
    expect(missing.body).toContain("404 Not Found");
    const logs = await dockerOk(["logs", server]);
    expect(logs.stderr).not.toMatch(/emerg|alert|crit/);
  });

  it("is a small part of the fat stage", async () => {
    const size = async (image: string) => Number((await dockerOk(["image", "inspect", "--format", "{{.Size}}", image])).stdout.trim());
    const [bundle, fat] = [await size(BUNDLE), await size(FAT)];
    console.log(`nginx: bundle ${(bundle / 1e6).toFixed(1)} MB, fat stage ${(fat / 1e6).toFixed(1)} MB`);
    expect(bundle).toBeLessThan(fat / 4);
  });
});
