// The cached Debian rootfs (see rootfs/build.sh) and helpers that ask its own tools.
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Builds the rootfs on first use (minutes), then answers from the cache. Run from the repository root. */
export function debianRootfs(): string {
  const script = "test/closure/rootfs/build.sh";
  return execFileSync("bash", [script], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
}

export interface LoaderListing {
  /** Every object the loader mapped, as it printed the path (vdso excluded). */
  paths: string[];
  /** Names it could not find. */
  missing: string[];
  /** glibc's ld.so stops at the first missing library and lists nothing. */
  aborted: boolean;
}

/** What the root's own loader prints for `binary` (`ld.so --list`, run in a chroot). */
export async function loaderListing(root: string, interpreter: string, binary: string): Promise<LoaderListing> {
  const { stdout, stderr } = await run("chroot", [root, interpreter, "--list", binary], {
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
    maxBuffer: 1 << 20,
  }).catch((error: { stdout: string; stderr: string }) => error);
  const listing: LoaderListing = { paths: [], missing: [], aborted: false };
  for (const line of stdout.split("\n").map((l) => l.trim())) {
    const arrow = /^(\S+) => (.+?)(?: \(0x[0-9a-f]+\))?$/.exec(line);
    if (arrow) {
      if (arrow[2] === "not found") listing.missing.push(arrow[1]!);
      else listing.paths.push(arrow[2]!);
    } else if (line.startsWith("/")) {
      listing.paths.push(line.replace(/ \(0x[0-9a-f]+\)$/, ""));
    }
  }
  for (const match of stderr.matchAll(/Error loading shared library ([^:]+):/g)) listing.missing.push(match[1]!);
  const abort = /error while loading shared libraries: ([^:]+): cannot open shared object file/.exec(stderr);
  if (abort) Object.assign(listing, { missing: [abort[1]!], aborted: true });
  return listing;
}

/** PT_INTERP as binutils' readelf reports it; undefined for static and non-ELF files. */
export async function interpreterOf(path: string): Promise<string | undefined> {
  const { stdout } = await run("readelf", ["--program-headers", "--wide", path]).catch(() => ({ stdout: "" }));
  return /Requesting program interpreter: ([^\]]+)\]/.exec(stdout)?.[1];
}
