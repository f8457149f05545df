// Where the resolve op finds its inputs and leaves its output: shared by the op's program
// (main.ts) and the frontend that builds the op (resolve-run.ts).
export const SOURCE_DIR = "/source";
export const TRACES_DIR = "/traces";
export const OUT_DIR = "/out";
export const RESOLUTION_FILE = "resolution.json";
/** The op's program in the frontend image (scripts/build.mjs, Dockerfile). */
export const PROGRAM = "/sidebundle/sidebundle-resolve.mjs";
export const NODE = "/usr/bin/node";
