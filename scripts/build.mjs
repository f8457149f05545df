// Builds everything `npm run image` and the tests use into dist/:
// the frontend and the resolve and times ops' programs bundled by esbuild, and the static C tools.
import { execFileSync } from "node:child_process";
import { chmodSync } from "node:fs";
import { build } from "esbuild";

const common = { bundle: true, platform: "node", target: "node20", format: "esm", logLevel: "warning" };
// ESM bundles of CommonJS dependencies need a real require().
const banner = { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" };

await build({ ...common, banner, entryPoints: ["frontend/main.ts"], outfile: "dist/frontend.mjs" });
// The resolve op's program, which the frontend runs in its own image (frontend/resolve/).
await build({ ...common, banner, entryPoints: ["frontend/resolve/main.ts"], outfile: "dist/sidebundle-resolve.mjs" });
// The times op's program, which sets the assembled bundle's times (frontend/assemble/times.ts).
await build({ ...common, banner, entryPoints: ["frontend/assemble/times-main.ts"], outfile: "dist/sidebundle-times.mjs" });
await build({ ...common, banner: { js: "#!/usr/bin/env node\n" + banner.js }, entryPoints: ["frontend/cli.ts"], outfile: "dist/sidebundle.js" });
chmodSync("dist/sidebundle.js", 0o755);
// The static musl tracer (tracer-static/Makefile writes dist/sidebundle-trace).
execFileSync("make", ["-s", "--no-print-directory", "-C", "tracer-static"], { stdio: "inherit" });
