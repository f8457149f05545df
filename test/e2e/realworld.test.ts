// Real applications from Debian's packages (test/realworld/), each bundled with no hint beyond the
// obvious trace: the minimized image must behave like its fat stage on the traced use and on
// ordinary uses that were never traced, offline. Sizes go to dist/realworld-sizes.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireFrontendImage } from "./docker.js";
import { cases, type CliCase, type ServerCase } from "../realworld/cases.js";
import { buildBase, buildCase, imageSize, label, printed, request, runUse, startServer, stopServer } from "../realworld/run.js";

const sizes: Record<string, { bundle: number; fat: number }> = {};
const started = Date.now();

beforeAll(async () => {
  await requireFrontendImage();
  const t = Date.now();
  await buildBase();
  console.log(`realworld: base image ready in ${((Date.now() - t) / 1000).toFixed(1)} s`);
});

afterAll(() => {
  mkdirSync("dist", { recursive: true });
  writeFileSync("dist/realworld-sizes.json", JSON.stringify(sizes, null, 2) + "\n");
  for (const [name, s] of Object.entries(sizes)) {
    console.log(`${name.padEnd(16)} bundle ${(s.bundle / 1e6).toFixed(1)} MB, fat stage ${(s.fat / 1e6).toFixed(1)} MB`);
  }
  console.log(`realworld: ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
});

/** Both images of a case, with their sizes recorded. */
async function images(name: string): Promise<{ fat: string; bundle: string }> {
  const [fat, bundle] = await Promise.all([buildCase(name, true), buildCase(name, false)]);
  sizes[name] = { bundle: await imageSize(bundle), fat: await imageSize(fat) };
  expect(sizes[name].bundle).toBeLessThan(sizes[name].fat / 2);
  return { fat, bundle };
}

async function checkCli(c: CliCase): Promise<void> {
  const { fat, bundle } = await images(c.name);
  const beside = c.beside && (await startServer(fat, c.beside.command, c.beside.port));
  try {
    if (beside) expect(beside.failure).toBeUndefined();
    const network = beside ? `container:${beside.probe}` : "none";
    // Every use is compared, so that one failure does not hide the next.
    const got: unknown[] = [];
    const want: unknown[] = [];
    for (const [i, use] of c.uses.entries()) {
      const [expected, actual] = [await runUse(fat, c, use, network), await runUse(bundle, c, use, network)];
      expect(expected.stdout.length + expected.stderr.length, `fat stage prints nothing for ${label(c, use)}`).toBeGreaterThan(0);
      const use_ = `${i === 0 ? "traced" : "untraced"}: ${label(c, use)}`;
      want.push({ use: use_, code: expected.code, stdout: printed(c, expected) });
      got.push({ use: use_, code: actual.code, stdout: printed(c, actual), ...(actual.code === expected.code ? {} : { stderr: actual.stderr }) });
    }
    expect(got).toEqual(want);
  } finally {
    if (beside) await stopServer(beside);
  }
}

async function checkServer(c: ServerCase): Promise<void> {
  const { fat, bundle } = await images(c.name);
  const [expected, actual] = [await startServer(fat, c.command, c.port), await startServer(bundle, c.command, c.port)];
  try {
    expect(expected.failure).toBeUndefined();
    expect(actual.failure).toBeUndefined();
    const got: unknown[] = [];
    const want: unknown[] = [];
    for (const [i, req] of c.requests.entries()) {
      const expectedAnswer = await request(expected, c, req);
      expect(expectedAnswer).not.toMatch(/^no answer/);
      const req_ = `${i === 0 ? "traced" : "untraced"}: ${req.method ?? "GET"} ${req.path}`;
      want.push({ req: req_, answer: expectedAnswer });
      got.push({ req: req_, answer: await request(actual, c, req) });
    }
    expect(got).toEqual(want);
  } finally {
    await Promise.all([stopServer(expected), stopServer(actual)]);
  }
}

describe.concurrent("real-world programs, bundled with only the obvious trace", () => {
  for (const c of cases) {
    it(c.name, () => (c.kind === "cli" ? checkCli(c) : checkServer(c)), 1_200_000);
  }
});
