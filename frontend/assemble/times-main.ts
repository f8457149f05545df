// The times op's program, run by Node in the frontend image (times.ts):
//   node sidebundle-times.mjs OPTIONS-JSON
import { stampMain } from "./times.js";

await stampMain(process.argv[2] ?? "{}");
