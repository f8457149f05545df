// The single-file op's program, run by Node in the frontend image (run.ts):
//   node sidebundle-single.mjs REQUEST-JSON
import { singleMain } from "./run.js";

await singleMain(process.argv[2] ?? "{}");
