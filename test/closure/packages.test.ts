// Package ownership on the cached Debian rootfs, against dpkg's own answer: `dpkg-query -S` over
// the rootfs's database for every bundled path (or its /usr-merge alias, as dpkg lists it),
// `dpkg-query -W` for versions, md5sum(1) for the md5sums lines.
import { execFileSync, spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { computeClosure, HostFS, otherPackageDatabases, owningPackages, type Packages, type Plan } from "../../frontend/closure/index.js";
import { debianRootfs } from "./rootfs.js";

let root: string;
let plan: Plan;
let packages: Packages;

beforeAll(async () => {
  root = debianRootfs();
  const host = new HostFS(root);
  plan = await computeClosure(host, { entries: ["/usr/bin/curl", "/bin/sh", "/usr/bin/convert"], osIdentity: true });
  packages = await owningPackages(host, plan);
});

const MERGED = /^\/usr\/(bin|sbin|lib|lib32|lib64|libx32)\//;

/** dpkg's owners of each path: `dpkg-query -S` on the path and on its unmerged alias. */
function dpkgOwners(paths: string[]): Map<string, string[]> {
  const asked = paths.flatMap((p) => (MERGED.test(p) ? [p, p.slice(4)] : [p]));
  const out = spawnSync("dpkg-query", [`--admindir=${root}/var/lib/dpkg`, "-S", ...asked], { encoding: "utf8", maxBuffer: 64 << 20 }).stdout;
  const owners = new Map<string, string[]>();
  for (const line of out.split("\n")) {
    const m = /^([^/][^:]*(?::[a-z0-9]+)?(?:, [^:]+(?::[a-z0-9]+)?)*): (\/.*)$/.exec(line);
    if (!m || line.startsWith("diversion by")) continue;
    const path = paths.find((p) => p === m[2] || p === `/usr${m[2]}`);
    if (path) owners.set(path, [...(owners.get(path) ?? []), ...m[1]!.split(", ").map((n) => n.split(":")[0]!)]);
  }
  return owners;
}

describe("owning packages", () => {
  it("names, for every bundled file and symlink, a package dpkg says owns it, and none where dpkg knows none", () => {
    const byId = new Map(packages.packages.map((p) => [p.id, p]));
    const bundled = plan.entries.filter((e) => e.kind !== "dir").map((e) => e.path);
    const expected = dpkgOwners(bundled);
    expect(expected.size).toBeGreaterThan(20);
    for (const path of bundled) {
      const ours = byId.get(packages.owners[path] ?? "")?.name;
      const dpkg = expected.get(path) ?? [];
      // A directory to dpkg, several packages list it; a symlink in the source (/bin), it is nobody's.
      const dirLink = dpkg.length > 1 && lstatSync(join(root, path)).isSymbolicLink();
      if (dpkg.length && !dirLink) expect([path, dpkg.includes(ours!)]).toEqual([path, true]);
      else expect([path, ours]).toEqual([path, undefined]);
    }
    // /lib/x86_64-linux-gnu/libc.so.6 in libc6's list, bundled under /usr; /bin/sh diverted by dash.
    expect(byId.get(packages.owners["/usr/lib/x86_64-linux-gnu/libc.so.6"]!)?.name).toBe("libc6");
    expect(byId.get(packages.owners["/usr/bin/sh"]!)?.name).toBe("dash");
    expect(byId.get(packages.owners["/usr/lib/os-release"]!)?.name).toBe("base-files");
  });

  it("gives each package its installed version and architecture, and its status paragraph", () => {
    const installed = execFileSync("dpkg-query", [`--admindir=${root}/var/lib/dpkg`, "-W", "-f", "${Package} ${Version} ${Architecture}\\n"], { encoding: "utf8" });
    const versions = new Set(installed.trim().split("\n"));
    for (const p of packages.packages) {
      expect(versions).toContain(`${p.name} ${p.version} ${p.architecture}`);
      expect(p.status).toMatch(new RegExp(`^Package: ${p.name.replace(/[+.]/g, "\\$&")}\\n(.*\\n)*Status: install ok installed\\n`));
    }
  });

  it("lists in md5sums exactly the package's bundled files, with their md5", () => {
    for (const p of packages.packages) {
      const lines = p.md5sums.trim().split("\n").filter(Boolean);
      const files = Object.entries(packages.owners).filter(([path, id]) => id === p.id && plan.entries.find((e) => e.path === path)?.kind === "file");
      expect(lines.map((l) => `/${l.slice(34)}`).sort()).toEqual(files.map(([path]) => path).sort());
      for (const line of lines.slice(0, 3)) {
        const sum = execFileSync("md5sum", [join(root, line.slice(34))], { encoding: "utf8" }).slice(0, 32);
        expect(line.slice(0, 32)).toBe(sum);
      }
    }
  });

  it("reads the distribution from os-release", () => {
    expect(packages.distro).toEqual({ id: "debian", versionId: "12" });
  });

  it("keeps os-release, its target and debian_version, with their reason", () => {
    const reasons = (path: string) => plan.entries.find((e) => e.path === path)?.reasons;
    expect(reasons("/etc/os-release")).toContainEqual({ kind: "os-identity" });
    expect(reasons("/usr/lib/os-release")).toContainEqual({ kind: "os-identity" });
    expect(reasons("/etc/debian_version")).toContainEqual({ kind: "os-identity" });
  });

  it("invents no package for files no package owns", async () => {
    const host = new HostFS(root);
    const bare = await computeClosure(host, { entries: ["/usr/bin/curl"] });
    const owned = await owningPackages(host, bare);
    expect(owned.owners["/etc/os-release"]).toBeUndefined();
    expect(new Set(Object.values(owned.owners))).toEqual(new Set(owned.packages.map((p) => p.id)));
  });
});

describe("other package managers", () => {
  it("warns about an apk or rpm database, and is quiet on Debian", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-apk-"));
    mkdirSync(join(dir, "lib/apk/db"), { recursive: true });
    writeFileSync(join(dir, "lib/apk/db/installed"), "P:musl\nV:1.2.4\n");
    mkdirSync(join(dir, "var/lib/rpm"), { recursive: true });
    expect(await otherPackageDatabases(new HostFS(dir))).toEqual([
      { kind: "unsupported-package-database", manager: "apk" },
      { kind: "unsupported-package-database", manager: "rpm" },
    ]);
    expect(await otherPackageDatabases(new HostFS(root))).toEqual([]);
  });
});
