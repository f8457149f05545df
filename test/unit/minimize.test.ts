// The zero-edit minimize's pure parts: its build-args, the entries an image config gives, the
// BUNDLE it becomes (compared with the hand-written BUNDLE), and its trace and HEALTHCHECK scripts
// run by the frontend's real shell (dist/sh, Debian's static mksh) on host programs.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseBundle } from "../../frontend/dockerfile/bundle-spec.js";
import { parseDockerfile } from "../../frontend/dockerfile/parse.js";
import { listArg, minimizeRequested, readMinimizeArgs, type MinimizeArgs } from "../../frontend/minimize/args.js";
import { configEntries, healthcheckCommand, keptConfig } from "../../frontend/minimize/config.js";
import { copiedPaths } from "../../frontend/minimize/copied.js";
import { minimizeSpec, NothingToRun } from "../../frontend/minimize/plan.js";
import type { ImageConfig } from "../../frontend/source/source.js";
import { repo } from "../tracer/helpers.js";

const NO_ARGS: MinimizeArgs = { entries: [], include: [], exclude: [], probes: [], traces: [], tests: [] };
const arg = (name: string, value: string) => ({ [`build-arg:${name}`]: value });

describe("the build-args", () => {
  it("SIDEBUNDLE_MINIMIZE is 1/true or 0/false", () => {
    expect([undefined, "1", "true", "TRUE", "0", "false", ""].map((v) => minimizeRequested(v === undefined ? {} : arg("SIDEBUNDLE_MINIMIZE", v)))).toEqual([
      false, true, true, true, false, false, false,
    ]);
    expect(() => minimizeRequested(arg("SIDEBUNDLE_MINIMIZE", "yes"))).toThrow("SIDEBUNDLE_MINIMIZE=yes: use 1 (or true) to minimize the target stage, 0 (or false) not to");
  });

  it("a list is a JSON array of strings or one item a line", () => {
    expect(listArg("X", '["/a b", "c"]')).toEqual(["/a b", "c"]);
    expect(listArg("X", "  /usr/bin/jq \n\n python3\r\n")).toEqual(["/usr/bin/jq", "python3"]);
    expect(listArg("X", undefined)).toEqual([]);
    expect(listArg("X", " ")).toEqual([]);
    expect(() => listArg("SIDEBUNDLE_INCLUDE", '["/a", 1]')).toThrow("SIDEBUNDLE_INCLUDE: a JSON list must be an array of strings");
    expect(() => listArg("SIDEBUNDLE_INCLUDE", '["/a",')).toThrow(/^SIDEBUNDLE_INCLUDE: not a JSON array of strings \(/);
    expect(() => listArg("SIDEBUNDLE_PROBE", '["true", " "]')).toThrow("SIDEBUNDLE_PROBE: an item of the list is empty");
  });

  it("commands are BUNDLE's: shell form, or a JSON exec form item", () => {
    const args = readMinimizeArgs({ ...arg("SIDEBUNDLE_TRACE", 'app --check\n["app", "a b"]'), ...arg("SIDEBUNDLE_TEST", '["app --version"]') });
    expect(args.traces).toEqual([
      { text: "app --check", argv: ["/bin/sh", "-c", "app --check"], shell: true },
      { text: "app a b", argv: ["app", "a b"], shell: false },
    ]);
    expect(args.tests).toEqual([{ text: "app --version", argv: ["/bin/sh", "-c", "app --version"], shell: true }]);
  });

  it("each mistake is one line naming its build-arg", () => {
    expect(() => readMinimizeArgs(arg("SIDEBUNDLE_TEST", "echo 'open"))).toThrow("SIDEBUNDLE_TEST: unterminated ' quote in: echo 'open");
    expect(() => readMinimizeArgs(arg("SIDEBUNDLE_TRACE", '[[]]'))).toThrow("SIDEBUNDLE_TRACE: a JSON list must be an array of strings");
    expect(() => readMinimizeArgs(arg("SIDEBUNDLE_ENTRIES", '["jq python3"]'))).toThrow('SIDEBUNDLE_ENTRIES: "jq python3" is not a path or program name');
    expect(() => readMinimizeArgs(arg("SIDEBUNDLE_EXCLUDE", '[""]'))).toThrow("SIDEBUNDLE_EXCLUDE: an item of the list is empty");
  });
});

describe("entries from the image config", () => {
  it("the program ENTRYPOINT+CMD runs, and the HEALTHCHECK's", () => {
    expect(configEntries({ Entrypoint: ["jq"], Cmd: ["--version"] })).toEqual(["jq"]);
    expect(configEntries({ Entrypoint: null, Cmd: ["python3", "app.py"], Healthcheck: { Test: ["CMD", "python3", "-c", "1"] } })).toEqual(["python3"]);
    expect(configEntries({ Cmd: ["/bin/sh", "-c", "report.sh | tee x"], Healthcheck: { Test: ["CMD-SHELL", "curl -f localhost"] } })).toEqual(["/bin/sh"]);
    expect(configEntries({ Cmd: ["nginx"], Healthcheck: { Test: ["CMD", "/usr/bin/curl", "-f", "localhost"] } })).toEqual(["nginx", "/usr/bin/curl"]);
    expect(configEntries({ Cmd: ["./bin/server"], WorkingDir: "/srv/app" })).toEqual(["/srv/app/bin/server"]);
    expect(configEntries({ Cmd: ["nginx"], Healthcheck: { Test: ["NONE"] } })).toEqual(["nginx"]);
    expect(configEntries({})).toEqual([]);
  });

  it("a CMD-SHELL health check runs through SHELL", () => {
    expect(healthcheckCommand({ Shell: ["/bin/bash", "-eo", "pipefail", "-c"], Healthcheck: { Test: ["CMD-SHELL", "curl -f x | grep ok"] } })).toEqual([
      "/bin/bash", "-eo", "pipefail", "-c", "curl -f x | grep ok",
    ]);
    expect(configEntries({ Cmd: ["app"], Shell: ["/bin/bash", "-c"], Healthcheck: { Test: ["CMD-SHELL", "true"] } })).toEqual(["app", "/bin/bash"]);
  });

  it("the config is kept but ONBUILD", () => {
    const config: ImageConfig = { Cmd: ["app"], OnBuild: ["RUN make"], Labels: { a: "b" }, StopSignal: "SIGQUIT", Volumes: { "/data": {} } };
    expect(keptConfig(config)).toEqual({ Cmd: ["app"], Labels: { a: "b" }, StopSignal: "SIGQUIT", Volumes: { "/data": {} } });
  });
});

describe("the BUNDLE a minimize becomes", () => {
  it("is the hand-written BUNDLE's plan, with the image's own command as the trace", () => {
    const args = { ...NO_ARGS, entries: ["/usr/bin/curl", "jq"], include: ["/usr/share/misc/*"], exclude: ["/usr/share/doc"] };
    const spec = minimizeSpec("stage-0", { Entrypoint: ["jq"], Cmd: ["--version"] }, args);
    const df = parseDockerfile("Dockerfile", Buffer.from("FROM scratch\nBUNDLE --from=stage-0 --include=/usr/share/misc/* --exclude=/usr/share/doc jq /usr/bin/curl\n"));
    const written = parseBundle(df, df.instructions[1]);
    expect({ ...spec, traces: [], traceTimeout: undefined }).toEqual({ ...written, traceTimeout: undefined });
    expect(spec.traces.map((t) => t.text)).toEqual(["jq --version"]);
    expect(spec.tests).toEqual([]);
  });

  it("SIDEBUNDLE_TRACE replaces the run, SIDEBUNDLE_TEST the HEALTHCHECK", () => {
    const health: ImageConfig = { Cmd: ["app"], Healthcheck: { Test: ["CMD", "app", "--ping"] } };
    expect(minimizeSpec("s", health, NO_ARGS).tests.map((t) => t.text)).toEqual(["HEALTHCHECK app --ping"]);
    const traces = readMinimizeArgs(arg("SIDEBUNDLE_TRACE", "app --once")).traces;
    const tests = readMinimizeArgs(arg("SIDEBUNDLE_TEST", "app --version")).tests;
    const spec = minimizeSpec("s", health, { ...NO_ARGS, traces, tests });
    expect([spec.traces, spec.traceTimeout, spec.tests]).toEqual([traces, undefined, tests]);
  });

  it("a stage that runs nothing needs SIDEBUNDLE_ENTRIES", () => {
    expect(() => minimizeSpec("s", {}, NO_ARGS)).toThrow(NothingToRun);
    expect(minimizeSpec("s", {}, { ...NO_ARGS, entries: ["java"] }).traces).toEqual([]);
  });
});

/** Runs a minimize command (trace or health test) with the frontend's shell on this machine. */
function runScript(argv: string[], timeout = 30_000): { status: number | null; ms: number; stderr: string } {
  const shell = join(repo, "dist/sh");
  const start = Date.now();
  const run = spawnSync(shell, argv.slice(1), { encoding: "utf8", timeout });
  return { status: run.status, ms: Date.now() - start, stderr: run.stderr };
}

describe.runIf(existsSync(join(repo, "dist/sh")))("the trace and test scripts, run by the frontend's shell", () => {
  const dir = () => mkdtempSync(join(tmpdir(), "sb-minimize-script-"));
  const trace = (config: ImageConfig, probes: string[] = []) => minimizeSpec("s", config, { ...NO_ARGS, probes }).traces[0].argv;

  it("a program that exits is traced to its end", () => {
    const d = dir();
    const run = runScript(trace({ Cmd: ["/bin/sh", "-c", `sleep 1; echo done > ${d}/out`] }));
    expect([run.status, readFileSync(join(d, "out"), "utf8")]).toEqual([0, "done\n"]);
    expect(run.ms).toBeGreaterThanOrEqual(1000);
    expect(run.ms).toBeLessThan(4000);
  });

  it("a server is probed until a probe passes, then stopped by its STOPSIGNAL", () => {
    const d = dir();
    const server = `trap 'echo quit > ${d}/signal; exit 0' QUIT; sleep 0.5; touch ${d}/up; while :; do sleep 0.1; done`;
    const config = { Cmd: ["/bin/sh", "-c", server], ExposedPorts: { "80/tcp": {} }, StopSignal: "SIGQUIT" };
    const run = runScript(trace(config, [`test -f ${d}/up && touch ${d}/probed`]));
    expect(run.status).toBe(0);
    expect(existsSync(join(d, "probed"))).toBe(true);
    expect(readFileSync(join(d, "signal"), "utf8")).toBe("quit\n");
    expect(run.ms).toBeLessThan(4000);
  });

  it("what a stopped server leaves behind in its process group is killed", () => {
    const server = "sleep 61.5 & trap 'exit 0' TERM; while :; do sleep 0.1; done";
    const run = runScript(trace({ Cmd: ["/bin/sh", "-c", server], ExposedPorts: { "80/tcp": {} } }, ["true"]));
    // The child holds the script's stdout: the run ends only once it is gone.
    expect(run.status).toBe(0);
    expect(run.ms).toBeLessThan(12_000);
    expect(spawnSync("pgrep", ["-f", "sleep 61.5"]).status).toBe(1);
  }, 30_000);

  it("a program still running after the window is a server: with no probe, stopped soon after", () => {
    const run = runScript(trace({ Entrypoint: ["sleep"], Cmd: ["60"] }));
    expect(run.status).toBe(0);
    expect(run.ms).toBeGreaterThanOrEqual(5000);
    expect(run.ms).toBeLessThan(15_000);
  }, 30_000);

  it("the HEALTHCHECK test passes once the check passes, and fails when the program exits first", () => {
    const d = dir();
    const server: ImageConfig = { Cmd: ["/bin/sh", "-c", `sleep 0.5; touch ${d}/up; exec sleep 60`], Healthcheck: { Test: ["CMD-SHELL", `test -f ${d}/up`] } };
    expect(runScript(minimizeSpec("s", server, NO_ARGS).tests[0].argv).status).toBe(0);
    const crashing: ImageConfig = { Cmd: ["/bin/sh", "-c", "exit 3"], Healthcheck: { Test: ["CMD", "false"] } };
    const run = runScript(minimizeSpec("s", crashing, NO_ARGS).tests[0].argv);
    expect([run.status, run.stderr]).toEqual([1, "the program exited with status 3 before its HEALTHCHECK passed\n"]);
  });
});

describe("what the Dockerfile copies into the stage is kept", () => {
  const copied = (text: string) => {
    const df = parseDockerfile("Dockerfile", Buffer.from(text));
    return copiedPaths(df, df.stages.at(-1)!);
  };

  it("each COPY/ADD destination, relative ones from the WORKDIR, in the stage and the stages it is built FROM", () => {
    const text = [
      "FROM debian:bookworm-slim AS base",
      "COPY site.conf /etc/nginx/sites-available/default",
      "FROM base AS build",
      "COPY big /build-only/",
      "FROM base",
      "WORKDIR /srv",
      "WORKDIR app",
      "COPY --chown=app:app app.py requirements.txt ./",
      'COPY ["static dir/", "./static/"]',
      "ADD --link https://example.invalid/x.tgz /opt/vendor/x.tgz",
      "COPY --from=build /out /opt/app",
      "COPY <<EOF /etc/motd",
      "hello",
      "EOF",
    ].join("\n");
    expect(copied(text)).toEqual(["/etc/nginx/sites-available/default", "/srv/app", "/srv/app/static", "/opt/vendor/x.tgz", "/opt/app", "/etc/motd"]);
  });

  it("a copy into a directory many packages share keeps only what it copied; the root and variables are left out", () => {
    const text = ["FROM debian", "COPY tool other/ /usr/local/bin/", "COPY rootfs/ /", "ARG D=/x", "COPY a $D/", "COPY b /usr/bin"].join("\n");
    expect(copied(text)).toEqual(["/usr/local/bin/tool", "/usr/bin/b"]);
  });
});
