// The engine's library resolution against the real loaders of a Debian rootfs (glibc amd64 and
// i386, musl), binary by binary. Paths are compared as the loaders print them, i.e. as found
// through the search ("/lib/x86_64-linux-gnu/libc.so.6", ".../bin/../lib/libjli.so"): that is
// stricter than comparing resolved paths, because it also checks which directory of the search
// answered and in which spelling, and equal spellings imply equal files.
import { lstatSync, readdirSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { HostFS } from "../../frontend/closure/host-fs.js";
import { DynamicLoader } from "../../frontend/closure/ldso.js";
import { Resolver } from "../../frontend/closure/resolve.js";
import { debianRootfs, interpreterOf, loaderListing } from "./rootfs.js";

let root: string;

beforeAll(() => {
  root = debianRootfs();
});

/** Regular files (not links) in /usr/bin, /usr/sbin and every bin directory under /usr/lib/jvm. */
function executableCandidates(): string[] {
  const dirs = ["/usr/bin", "/usr/sbin", ...directoriesNamed("bin", "/usr/lib/jvm")];
  return dirs.flatMap((dir) =>
    readdirSync(root + dir)
      .map((name) => `${dir}/${name}`)
      .filter((path) => lstatSync(root + path).isFile()),
  );
}

/** Directories called `name` below `dir` (links not followed). */
function directoriesNamed(name: string, dir: string): string[] {
  return readdirSync(root + dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const path = `${dir}/${entry.name}`;
      return [...(entry.name === name ? [path] : []), ...directoriesNamed(name, path)];
    });
}

/** Regular files named like shared objects, below `dir`. */
function sharedLibraries(dir: string): string[] {
  return readdirSync(root + dir).flatMap((name) => {
    const path = `${dir}/${name}`;
    const stat = lstatSync(root + path);
    if (stat.isDirectory()) return sharedLibraries(path);
    return stat.isFile() && /\.so(\.\d+)*$/.test(name) ? [path] : [];
  });
}

async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}

/** Distinct objects: musl also prints "libc.so => /lib/ld-musl-x86_64.so.1" for itself. */
function describeSet(paths: string[], missing: string[]): string[] {
  return [...new Set([...paths, ...missing.map((name) => `${name} => not found`)])].sort();
}

/** Loads `path` with the engine and with the real loader; a line describing any difference. */
async function disagreement(loader: DynamicLoader, path: string, interp: string, flavours: Set<string>): Promise<string | undefined> {
  const expected = await loaderListing(root, interp, path);
  const map = await loader.linkMap(path, interp);
  flavours.add(`${map.flavor}/${map.root.elf.machine}`);
  const objects = [map.interpreter, ...map.libraries].flatMap((o) => (o ? [o.path] : []));
  const want = describeSet(expected.paths, expected.missing);
  const got = describeSet(objects, map.missing.map((m) => m.name));
  // Where ld.so gave up on a missing library, the engine must find that one missing too.
  const agrees = expected.aborted ? map.missing.some((m) => m.name === expected.missing[0]) : JSON.stringify(want) === JSON.stringify(got);
  return agrees ? undefined : `${path}:\n  ld.so:  ${want.join(" ")}\n  engine: ${got.join(" ")}`;
}

function report(what: string, total: number, disagreements: string[], flavours: Set<string>): void {
  const agreement = (100 * (total - disagreements.length)) / total;
  console.log(`ld.so agreement: ${agreement.toFixed(2)}% of ${total} ${what} (${[...flavours].sort().join(", ")})`);
}

describe("library resolution agrees with the rootfs's own loaders", () => {
  it("for every dynamic ELF executable in /usr/bin, /usr/sbin and the JVM's bin", { timeout: 600_000 }, async () => {
    const loader = new DynamicLoader(new Resolver(new HostFS(root)));
    const binaries = (await inBatches(executableCandidates(), 16, async (path) => ({ path, interp: await interpreterOf(root + path) })))
      .filter((b): b is { path: string; interp: string } => b.interp !== undefined);
    const flavours = new Set<string>();
    const disagreements = (await inBatches(binaries, 8, ({ path, interp }) => disagreement(loader, path, interp, flavours))).filter((d) => d !== undefined);
    report("dynamic executables", binaries.length, disagreements, flavours);
    expect(binaries.length).toBeGreaterThan(300);
    expect([...flavours]).toEqual(expect.arrayContaining(["glibc/amd64", "glibc/386", "musl/amd64"]));
    expect(disagreements).toEqual([]);
  });

  // Libraries as a dlopen'ed object is loaded: without PT_INTERP, by the process's loader.
  it("for every amd64 shared library under /usr/lib/x86_64-linux-gnu that has dependencies", { timeout: 600_000 }, async () => {
    const loader = new DynamicLoader(new Resolver(new HostFS(root)));
    const interp = "/lib64/ld-linux-x86-64.so.2";
    const libraries = [];
    for (const path of sharedLibraries("/usr/lib/x86_64-linux-gnu")) {
      const elf = await loader.elf(path);
      if (elf?.machine === "amd64" && !elf.interpreter && elf.needed.length > 0) libraries.push(path);
    }
    const flavours = new Set<string>();
    const disagreements = (await inBatches(libraries, 8, (path) => disagreement(loader, path, interp, flavours))).filter((d) => d !== undefined);
    report("shared libraries", libraries.length, disagreements, flavours);
    expect(libraries.length).toBeGreaterThan(500);
    expect(disagreements).toEqual([]);
  });
});
