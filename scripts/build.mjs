// Builds everything `npm run image` and the tests use into dist/:
// the frontend bundled by esbuild into one file, and the static C tools.
import { build } from "esbuild";

const common = { bundle: true, platform: "node", target: "node20", format: "esm", logLevel: "warning" };
// ESM bundles of CommonJS dependencies need a real require().
const banner = { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" };

await build({ ...common, banner, entryPoints: ["frontend/main.ts"], outfile: "dist/frontend.mjs" });
