// Builds everything `npm run image` and the tests use into dist/:
// the frontend and the resolve, times and compress ops' programs bundled by esbuild, and the static C tools.
// The Debian packages the C tools need are installed first when missing (scripts/machine.sh).
// A failure is one line: the tool that is missing or the step that failed, no stack trace.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync } from "node:fs";
import { build } from "esbuild";

const common = { bundle: true, platform: "node", target: "node20", format: "esm", logLevel: "warning" };
// ESM bundles of CommonJS dependencies need a real require().
const banner = { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" };
/** What the C tools' build runs (tracer-static/Makefile); image.sh also strips with binutils. */
const TOOLS = ["make", "musl-gcc", "strip"];
/** Debian's static mksh (package mksh), the shell of shell-form --test commands. */
const MKSH = `/usr/lib/${{ x64: "x86_64", arm64: "aarch64" }[process.arch]}-linux-musl/bin/mksh`;

function fail(message) {
  console.error(`build: ${message}`);
  process.exit(1);
}

/** The tools not on PATH, the Linux headers (linux-libc-dev) and mksh when they are missing. */
const missing = () => [
  ...TOOLS.filter((tool) => spawnSync("sh", ["-c", 'command -v "$0"', tool], { stdio: "ignore" }).status !== 0),
  ...(existsSync("/usr/include/linux") ? [] : ["/usr/include/linux"]),
  ...(existsSync(MKSH) ? [] : [MKSH]),
];

function ensureTools() {
  if (missing().length === 0) return;
  if (spawnSync("bash", ["scripts/machine.sh", "build"], { stdio: "inherit" }).status !== 0) fail("cannot install the build tools");
  const still = missing();
  if (still.length) fail(`${still.join(", ")} not found (Debian: apt-get install make musl-tools binutils linux-libc-dev mksh)`);
}

try {
  ensureTools();
  await build({ ...common, banner, entryPoints: ["frontend/main.ts"], outfile: "dist/frontend.mjs" });
  // The resolve op's program, which the frontend runs in its own image (frontend/resolve/).
  await build({ ...common, banner, entryPoints: ["frontend/resolve/main.ts"], outfile: "dist/sidebundle-resolve.mjs" });
  // The times op's program, which sets the assembled bundle's times (frontend/assemble/times.ts).
  await build({ ...common, banner, entryPoints: ["frontend/assemble/times-main.ts"], outfile: "dist/sidebundle-times.mjs" });
  // The single-file op's program, which writes a --layout=single-file bundle (frontend/single/).
  await build({ ...common, banner, entryPoints: ["frontend/single/main.ts"], outfile: "dist/sidebundle-single.mjs" });
  // The compress op's program, which packs a bundle's executables with upx (frontend/compress/).
  await build({ ...common, banner, entryPoints: ["frontend/compress/main.ts"], outfile: "dist/sidebundle-compress.mjs" });
  await build({ ...common, banner: { js: "#!/usr/bin/env node\n" + banner.js }, entryPoints: ["frontend/cli/main.ts"], outfile: "dist/sidebundle.js" });
  chmodSync("dist/sidebundle.js", 0o755);
} catch (error) {
  // esbuild has already printed the errors it found.
  fail(`bundling failed: ${String(error.message ?? error).split("\n")[0]}`);
}
// The static musl tracer (tracer-static/Makefile writes dist/sidebundle-trace); make prints its errors.
try {
  execFileSync("make", ["-s", "--no-print-directory", "-C", "tracer-static"], { stdio: "inherit" });
} catch {
  fail("the C tools did not build (make -C tracer-static, above)");
}
// The shell of shell-form --test commands, which a bundle need not have: Debian's mksh built
// static with musl. Not busybox, whose sh prefers its own applets to the bundle's programs.
copyFileSync(MKSH, "dist/sh");
