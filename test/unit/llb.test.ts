import { readFileSync } from "node:fs";
import type Long from "long";
import { describe, expect, it } from "vitest";
import {
  DefinitionType,
  FileActions,
  OpType,
  SourceMap,
  State,
  decodePlain,
  digestOf,
  encodeCanonical,
  type Definition,
} from "../../llb/index.js";

// A pb.Definition produced by BuildKit 0.13's Go code: the Ref.def that dockerfile.v0 returned
// for test/fixtures/dockerfile-v0-definition.Dockerfile (exec with cache/tmpfs/bind mounts,
// copies with chown/chmod, a heredoc, sources with attrs and platforms).
const goDef = decodePlain(DefinitionType, readFileSync("test/fixtures/dockerfile-v0-definition.pb")) as unknown as Definition;

type Op = Record<string, any>;
const decodeOp = (bytes: Uint8Array): Op => decodePlain(OpType, bytes) as Op;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
// int64 fields decode as Long; zero values are absent from the wire.
const num = (v: Long | undefined): number => v?.toNumber() ?? 0;

describe("canonical encoding", () => {
  it("re-encodes every op of a Go-produced definition to identical bytes", () => {
    expect(goDef.def.length).toBeGreaterThan(8);
    for (const bytes of goDef.def) {
      expect(hex(encodeCanonical(OpType, decodeOp(bytes)))).toBe(hex(bytes));
    }
  });

  it("the fixture covers the op kinds and fields that canonicalization must get right", () => {
    const ops = goDef.def.map(decodeOp);
    const kinds = new Set(ops.map((op) => Object.keys(op).find((k) => ["exec", "source", "file"].includes(k))));
    expect(kinds).toEqual(new Set(["exec", "source", "file", undefined]));
    const mounts = ops.flatMap((op) => op.exec?.mounts ?? []);
    expect(mounts.some((m: Op) => m.mountType === 3)).toBe(true); // cache
    expect(mounts.some((m: Op) => m.mountType === 4)).toBe(true); // tmpfs
    const owners = ops.flatMap((op) => (op.file?.actions ?? []).map((a: Op) => a.copy?.owner)).filter(Boolean);
    expect(owners).toContainEqual({ user: { byID: 1 }, group: { byID: 2 } });
  });

  it("digests are sha256 of the exact op bytes, as Go's inputs reference them", () => {
    const digests = new Set(goDef.def.map(digestOf));
    const inputs = goDef.def.flatMap((b) => decodeOp(b).inputs ?? []);
    expect(inputs.length).toBeGreaterThan(0);
    for (const input of inputs) expect(digests.has(input.digest)).toBe(true);
  });

  it("omits zero scalars, keeps oneof zeros and empty messages, sorts map keys", () => {
    const op = {
      inputs: [{ digest: "sha256:x", index: 0 }],
      source: { identifier: "local://x", attrs: { b: "2", a: "1" } },
      constraints: {},
    };
    const bytes = encodeCanonical(OpType, op);
    // index 0 omitted; attrs a before b; constraints as "5a 00".
    expect(hex(bytes)).toBe(
      "0a0a0a087368613235363a78" +
        "1a1b" + "0a096c6f63616c3a2f2f78" + "12060a0161120131" + "12060a0162120132" +
        "5a00",
    );
    const chown = encodeCanonical(OpType, {
      file: { actions: [{ input: -1, copy: { src: "/a", dest: "/b", owner: { user: { byID: 0 }, group: { byID: 0 } } } }] },
    });
    expect(hex(chown)).toContain("1a080a0210001202" + "1000");
  });
});

describe("State", () => {
  const ops = (def: Definition) => def.def.map(decodeOp);

  it("marshals a file op on scratch with the terminal op last", () => {
    const def = State.scratch()
      .file(FileActions.empty().mkdir("/etc", 0o755, { parents: true }).mkfile("/etc/x", 0o644, "hi"), { customName: "make x" })
      .marshal();
    expect(def.def).toHaveLength(2);
    const [file, terminal] = ops(def);
    expect(terminal).toEqual({ inputs: [{ digest: digestOf(def.def[0]) }] });
    const [mkdir, mkfile] = file.file.actions;
    expect(mkdir.input.toNumber()).toBe(-1);
    expect(mkdir.output.toNumber()).toBe(-1);
    expect(mkdir.mkdir).toMatchObject({ path: "/etc", mode: 0o755, makeParents: true });
    expect(mkdir.mkdir.timestamp.toNumber()).toBe(-1);
    // The second action consumes the first one's result: len(inputs) + 0.
    expect(num(mkfile.input)).toBe(0);
    expect(num(mkfile.output)).toBe(0);
    expect(Buffer.from(mkfile.mkfile.data).toString()).toBe("hi");
    expect(def.metadata[digestOf(def.def[0])]).toEqual({
      description: { "llb.customname": "make x" },
      caps: { "file.base": true },
    });
  });

  it("an empty state marshals to an empty definition", () => {
    expect(State.scratch().marshal().def).toEqual([]);
  });

  it("numbers exec outputs by mount order, skipping read-only, cache and tmpfs mounts", () => {
    const tools = State.image("busybox");
    const run = State.image("debian:bookworm-slim").run({
      args: ["/tools/trace", "--output", "/out/log"],
      mounts: [
        { dest: "/tools", from: tools, readonly: true },
        { dest: "/out" },
        { dest: "/cache", cache: { id: "c", sharing: "locked" } },
        { dest: "/tmp", tmpfs: {} },
      ],
      network: "none",
    });
    const def = run.mount("/out").marshal();
    const all = ops(def);
    const exec = all.find((op) => op.exec)!;
    expect(exec.exec.mounts.map((m: Op) => m.dest)).toEqual(["/", "/cache", "/out", "/tmp", "/tools"]);
    expect(exec.exec.mounts.map((m: Op) => num(m.output))).toEqual([0, -1, 1, -1, -1]);
    expect(exec.exec.network).toBe(2);
    const terminal = all[all.length - 1];
    expect(terminal.inputs[0].index.toNumber()).toBe(1);
    const sources = all.filter((op) => op.source).map((op) => op.source.identifier).sort();
    expect(sources).toEqual(["docker-image://docker.io/library/busybox:latest", "docker-image://docker.io/library/debian:bookworm-slim"]);
    expect(() => run.mount("/tools")).toThrow(/no output/);
  });

  it("copies foreign ops byte for byte and builds on their result", () => {
    const stage = State.fromDefinition(goDef);
    const goTerminal = decodeOp(goDef.def[goDef.def.length - 1]).inputs[0];
    const def = State.scratch().file(FileActions.empty().copy(stage, "/a", "/copied")).marshal();
    const goBytes = new Set(goDef.def.slice(0, -1).map(hex));
    const ours = def.def.map(hex);
    for (const b of goBytes) expect(ours).toContain(b);
    expect(def.def).toHaveLength(goBytes.size + 2);
    const copy = ops(def).find((op) => op.file && op.inputs?.[0]?.digest === goTerminal.digest);
    expect(copy?.file.actions[0].copy).toMatchObject({ src: "/a", dest: "/copied" });
    // Foreign metadata and source locations come along.
    for (const d of Object.keys(goDef.metadata)) expect(def.metadata[d]).toBeDefined();
  });

  it("maps op digests to Dockerfile lines, appending to foreign source infos", () => {
    const smap = new SourceMap("Dockerfile", Buffer.from("FROM x\nBUNDLE y\n"));
    const stage = State.fromDefinition(goDef);
    const def = stage.file(FileActions.empty().mkdir("/x", 0o755), { location: smap.lines(2) }).marshal();
    const foreignInfos = goDef.Source?.infos.length ?? 0;
    expect(foreignInfos).toBeGreaterThan(0);
    expect(def.Source!.infos).toHaveLength(foreignInfos + 1);
    const ours = digestOf(def.def[def.def.length - 2]);
    expect(def.Source!.locations[ours].locations).toEqual([
      { sourceIndex: foreignInfos, ranges: [{ start: { line: 2 }, end: { line: 2 } }] },
    ]);
  });
});
