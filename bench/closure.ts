// Closure engine benchmark on the cached Debian rootfs (test/closure/rootfs/build.sh):
//   (a) python3 with a real trace of `python3 -c 'import json, ssl, sqlite3, ...'` (by
//       dist/sidebundle-trace when built, else strace converted), (b) one plan for every ELF
//       file in /usr/bin.
// Prints plan time, files examined per second and bytes read against the size of the files
// examined. Figures only; nothing here asserts a time.
// Run: npx esbuild bench/closure.ts --bundle --platform=node --format=esm --outfile=dist/bench-closure.mjs \
//        --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" \
//      && node dist/bench-closure.mjs
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { computeClosure, HostFS, type ClosureOptions } from "../frontend/closure/index.js";
import { CountingFS } from "../test/closure/helpers.js";
import { debianRootfs } from "../test/closure/rootfs.js";
import { straceInRoot, TRACER, tracerInRoot } from "../test/closure/traces.js";

const RUNS = 5;

async function measure(label: string, root: string, options: ClosureOptions): Promise<void> {
  const times: number[] = [];
  let counting = new CountingFS(new HostFS(root));
  let entries = 0;
  for (let run = 0; run < RUNS; run++) {
    counting = new CountingFS(new HostFS(root));
    const start = performance.now();
    entries = (await computeClosure(counting, options)).entries.length;
    times.push(performance.now() - start);
  }
  const median = times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
  const examinedBytes = [...counting.examined].reduce((sum, path) => sum + lstatSync(root + path).size, 0);
  const perSecond = (counting.examined.size / median) * 1000;
  console.log(
    `${label}: ${median.toFixed(0)} ms (median of ${RUNS}), ${entries} plan entries, ` +
      `${counting.examined.size} files examined (${perSecond.toFixed(0)} files/s), ` +
      `${mib(counting.bytesRead)} read of ${mib(examinedBytes)} examined (${((100 * counting.bytesRead) / examinedBytes).toFixed(2)}%)`,
  );
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

function elfFilesIn(root: string, dir: string): string[] {
  return readdirSync(root + dir)
    .map((name) => `${dir}/${name}`)
    .filter((path) => lstatSync(root + path).isFile() && isElf(root + path));
}

function isElf(hostPath: string): boolean {
  const fd = openSync(hostPath, "r");
  const magic = Buffer.alloc(4);
  readSync(fd, magic, 0, 4, 0);
  closeSync(fd);
  return magic.toString("latin1") === "\x7fELF";
}

const root = debianRootfs();
const script = ["/usr/bin/python3", "-c", "import json, ssl, sqlite3, subprocess; subprocess.run(['true'])"];
const [tracer, trace] = existsSync(TRACER) ? ["sidebundle-trace", tracerInRoot(root, script)] : ["strace", straceInRoot(root, script)];
await measure(`python3 + trace (${tracer}, ${trace.length} events)`, root, { entries: ["/usr/bin/python3"], trace });
const binaries = elfFilesIn(root, "/usr/bin");
await measure(`all ${binaries.length} ELF files in /usr/bin`, root, { entries: binaries });
