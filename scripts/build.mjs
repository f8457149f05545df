// Builds everything `npm run image` and the tests use into dist/:
// the frontend and the resolve op's program bundled by esbuild, and the static C tools.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync } from "node:fs";
import { build } from "esbuild";

const common = { bundle: true, platform: "node", target: "node20", format: "esm", logLevel: "warning" };
// ESM bundles of CommonJS dependencies need a real require().
const banner = { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" };

await build({ ...common, banner, entryPoints: ["frontend/main.ts"], outfile: "dist/frontend.mjs" });
// The resolve op's program, which the frontend runs in its own image (frontend/resolve/).
await build({ ...common, banner, entryPoints: ["frontend/resolve/main.ts"], outfile: "dist/sidebundle-resolve.mjs" });
await build({ ...common, banner: { js: "#!/usr/bin/env node\n" + banner.js }, entryPoints: ["frontend/cli.ts"], outfile: "dist/sidebundle.js" });
chmodSync("dist/sidebundle.js", 0o755);
// The static musl tracer (tracer-static/Makefile writes dist/sidebundle-trace).
execFileSync("make", ["-s", "--no-print-directory", "-C", "tracer-static"], { stdio: "inherit" });
// The shell of shell-form --test commands, which a bundle need not have: Debian's mksh built
// static with musl (scripts/apt-packages.txt). Not busybox, whose sh prefers its own applets.
const arch = { x64: "x86_64", arm64: "aarch64" }[process.arch];
copyFileSync(`/usr/lib/${arch}-linux-musl/bin/mksh`, "dist/sh");
