// The compress op's program, run by Node in the frontend image:
//   node sidebundle-compress.mjs REQUEST-JSON
// It packs the source mounted writable at /source in place and writes /out/compression.json.
import { mkdtemp, writeFile } from "node:fs/promises";
import { compressFiles } from "./compression.js";
import { OUT_DIR, REPORT_FILE, SOURCE_DIR, type CompressRequest } from "./layout.js";

const request = JSON.parse(process.argv[2]) as CompressRequest;
const report = await compressFiles(SOURCE_DIR, request, await mkdtemp("/tmp/compress-"));
await writeFile(`${OUT_DIR}/${REPORT_FILE}`, JSON.stringify(report));
