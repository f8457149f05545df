// The resolve op's program, run by Node in the frontend image:
//   node sidebundle-resolve.mjs REQUEST-JSON TRACE-LOG...
// It reads the source mounted at /source and writes /out/resolution.json. A failure the user
// caused is written there too (the frontend reports it at the BUNDLE's line); anything else
// fails the op.
import { writeFile } from "node:fs/promises";
import { HostFS } from "../closure/index.js";
import { OUT_DIR, RESOLUTION_FILE, SOURCE_DIR } from "./layout.js";
import { readLog, resolveBundle, type ResolveRequest } from "./resolution.js";

const [request, ...traceLogs] = process.argv.slice(2);
// Read as streams, one line at a time: a trace may hold millions of events.
const logs = traceLogs.map(readLog);
const resolution = await resolveBundle(new HostFS(SOURCE_DIR), JSON.parse(request) as ResolveRequest, logs);
await writeFile(`${OUT_DIR}/${RESOLUTION_FILE}`, JSON.stringify(resolution));
