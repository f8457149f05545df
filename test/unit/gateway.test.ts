// The LLBBridge client against a stand-in BuildKit: a grpc-js server on a unix socket speaking
// the same messages.
import grpc from "@grpc/grpc-js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileActions, State } from "../../llb/index.js";
import { Gateway } from "../../frontend/gateway/client.js";
import { BuildkitError, FrontendError, toStatus } from "../../frontend/gateway/errors.js";
import { gatewayType, StatusType } from "../../frontend/gateway/gateway-proto.js";
import { frontendOptions } from "../../frontend/gateway/options.js";

type Handler = (req: any) => object | grpc.ServiceError;
const requests: Record<string, any[]> = {};
const handlers: Record<string, Handler> = {
  Ping: () => ({
    FrontendAPICaps: [{ ID: "frontend.inputs", Enabled: true }],
    LLBCaps: [
      { ID: "source.local", Enabled: true },
      { ID: "file.base", Enabled: true },
      { ID: "mergeop", Enabled: false, DisabledReasonMsg: "only enabled with containerd image store backend" },
    ],
  }),
  ReadFile: (req) => ({ Data: Buffer.from("0123456789").subarray(Number(req.Range?.Offset ?? 0), Number(req.Range?.Offset ?? 0) + Number(req.Range?.Length ?? 10)) }),
  StatFile: () => ({ stat: { path: "lib", mode: (1 << 27) | 0o777, linkname: "usr/lib" } }),
  Solve: () => solveError(),
  Return: () => ({}),
};

const sourceDetail = { type_url: "github.com/moby/buildkit/errdefs.Source+json", value: Buffer.from('{"ranges":[]}') };

function solveError(): grpc.ServiceError {
  const status = { code: 2, message: 'process "/bin/sh -c exit 3" did not complete successfully', details: [sourceDetail] };
  const metadata = new grpc.Metadata();
  metadata.set("grpc-status-details-bin", Buffer.from(StatusType.encode(StatusType.fromObject(status)).finish()));
  return Object.assign(new Error(status.message), { code: 2, details: status.message, metadata });
}

let server: grpc.Server;
let gw: Gateway;

beforeAll(async () => {
  server = new grpc.Server();
  const service: Record<string, grpc.MethodDefinition<object, object>> = {};
  const impl: grpc.UntypedServiceImplementation = {};
  for (const method of Object.keys(handlers)) {
    const req = gatewayType(`moby.buildkit.v1.frontend.${method === "Ping" ? "PingRequest" : method + "Request"}`);
    const res = gatewayType(`moby.buildkit.v1.frontend.${method === "Ping" ? "PongResponse" : method + "Response"}`);
    service[method] = {
      path: `/moby.buildkit.v1.frontend.LLBBridge/${method}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (v: object) => Buffer.from(req.encode(req.fromObject(v)).finish()),
      requestDeserialize: (b: Buffer) => req.toObject(req.decode(b), { longs: Number }),
      responseSerialize: (v: object) => Buffer.from(res.encode(res.fromObject(v)).finish()),
      responseDeserialize: (b: Buffer) => res.decode(b),
    };
    impl[method] = (call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) => {
      (requests[method] ??= []).push(call.request);
      const out = handlers[method](call.request);
      if (out instanceof Error) callback(out as grpc.ServiceError);
      else callback(null, out);
    };
  }
  server.addService(service, impl);
  const socket = join(mkdtempSync(join(tmpdir(), "sb-gw-")), "bridge.sock");
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  gw = await Gateway.connect(`unix:${socket}`);
});

afterAll(() => {
  gw?.close();
  server?.forceShutdown();
});

describe("Gateway", () => {
  it("pings first and reads caps by Enabled, not by presence", async () => {
    expect(requests.Ping).toHaveLength(1);
    expect(await gw.hasCap("LLBCaps", "file.base")).toBe(true);
    expect(await gw.hasCap("LLBCaps", "mergeop")).toBe(false);
    expect(await gw.hasCap("LLBCaps", "exec.meta.base")).toBe(false);
  });

  it("reads byte ranges", async () => {
    expect((await gw.readFile("ref1", "/f", { offset: 3, length: 4 })).toString()).toBe("3456");
    expect(requests.ReadFile.at(-1)).toMatchObject({ Ref: "ref1", FilePath: "/f", Range: { Offset: 3, Length: 4 } });
  });

  it("stats without following symlinks (Go FileMode bits come back as sent)", async () => {
    expect(await gw.statFile("ref1", "/lib")).toMatchObject({ mode: (1 << 27) | 0o777, linkname: "usr/lib" });
  });

  it("refuses a definition that needs a disabled cap, naming it, before calling Solve", async () => {
    const def = State.scratch().file(FileActions.empty().mkdir("/x", 0o755)).marshal();
    const meta = Object.values(def.metadata)[0];
    meta.caps = { ...meta.caps, mergeop: true };
    const err = await gw.solve({ Definition: def }).catch((e) => e);
    expect(err).toBeInstanceOf(FrontendError);
    expect(err.message).toBe(
      'this BuildKit does not support LLB feature "mergeop": only enabled with containerd image store backend; upgrade Docker or BuildKit',
    );
    expect(requests.Solve).toBeUndefined();
  });

  it("passes BuildKit's error status through unchanged, typed details included", async () => {
    const err = await gw.solve({ Frontend: "dockerfile.v0" }).catch((e) => e);
    expect(err).toBeInstanceOf(BuildkitError);
    const status = toStatus(err);
    expect(status.code).toBe(2);
    expect(status.message).toBe('process "/bin/sh -c exit 3" did not complete successfully');
    expect(status.details?.map((d) => [d.type_url, Buffer.from(d.value).toString()])).toEqual([
      [sourceDetail.type_url, sourceDetail.value.toString()],
    ]);
    expect(requests.Solve.at(-1)).toMatchObject({ Frontend: "dockerfile.v0", allowResultReturn: true, allowResultArrayRef: true });
  });

  it("returns exactly once", async () => {
    await gw.return({ result: {} });
    await expect(gw.return({ result: {} })).rejects.toThrow(/twice/);
    expect(requests.Return).toHaveLength(1);
  });
});

describe("toStatus", () => {
  it("gives our errors the Dockerfile line as an errdefs.Source detail", () => {
    const data = Buffer.from("FROM x\nBUNDLE --bogus y\n");
    const status = toStatus(new FrontendError("BUNDLE: unknown flag --bogus", { filename: "Dockerfile", data, ranges: [{ start: { line: 2 }, end: { line: 2 } }] }));
    expect(status.code).toBe(2);
    expect(status.message).toBe("BUNDLE: unknown flag --bogus");
    const [detail] = status.details!;
    expect(detail.type_url).toBe("github.com/moby/buildkit/errdefs.Source+json");
    expect(JSON.parse(Buffer.from(detail.value).toString())).toEqual({
      info: { filename: "Dockerfile", data: data.toString("base64"), language: "Dockerfile" },
      ranges: [{ start: { line: 2 }, end: { line: 2 } }],
    });
  });

  it("turns unexpected exceptions into one line, without a stack", () => {
    const status = toStatus(new TypeError("x is undefined\n    at foo (bar.js:1:1)"));
    expect(status).toMatchObject({ code: 2, message: "sidebundle: internal error: x is undefined" });
  });
});

describe("frontendOptions", () => {
  it("splits BUILDKIT_FRONTEND_OPT_<i> on the first '=' and keeps newlines", () => {
    expect(
      frontendOptions({
        BUILDKIT_FRONTEND_OPT_1: "build-arg:A=x=y",
        BUILDKIT_FRONTEND_OPT_0: "filename=Dockerfile",
        BUILDKIT_FRONTEND_OPT_7: "label:multi=line1\nline2",
        BUILDKIT_FRONTEND_OPT_3: "no-cache=",
        PATH: "/bin",
      }),
    ).toEqual({ "build-arg:A": "x=y", filename: "Dockerfile", "label:multi": "line1\nline2", "no-cache": "" });
  });
});
