// The LLBBridge client: the only code that speaks gRPC. One connection over stdin/stdout,
// unary calls only, Return exactly once.
import grpc from "@grpc/grpc-js";
import type protobuf from "protobufjs";
import type { Definition, Platform } from "../../llb/index.js";
import { BuildkitError, FrontendError } from "./errors.js";
import { gatewayType, StatusType } from "./gateway-proto.js";
import { stdioRelay } from "./relay.js";
import type { Pong, Result, SolveRequest, Stat, Status, WarnRequest } from "./types.js";

const SERVICE = "/moby.buildkit.v1.frontend.LLBBridge/";
const CHANNEL_OPTIONS = {
  "grpc.max_receive_message_length": -1,
  "grpc.max_send_message_length": -1,
  // Idle timeouts above 2^31-1 ms overflow setTimeout and fire at once.
  "grpc.client_idle_timeout_ms": 2 ** 31 - 1,
  // A retried call could never reach BuildKit again: the stream cannot be reopened.
  "grpc.enable_retries": 0,
};

export class Gateway {
  private pong?: Pong;
  private returned = false;

  private constructor(private readonly client: grpc.Client) {}

  /**
   * Connects (over stdin/stdout unless a gRPC target is given) and pings, as BuildKit's own
   * clients do first: the caps decide what we may ask.
   */
  static async connect(target?: string): Promise<Gateway> {
    target ??= await stdioRelay();
    const gw = new Gateway(new grpc.Client(target, grpc.credentials.createInsecure(), CHANNEL_OPTIONS));
    await gw.ping();
    return gw;
  }

  async ping(): Promise<Pong> {
    return (this.pong ??= await this.call<Pong>("Ping", {}));
  }

  /** Solves a definition or a frontend; fails cleanly when the definition needs a cap BuildKit lacks. */
  async solve(req: SolveRequest): Promise<Result> {
    if (req.Definition) await this.requireLLBCaps(Object.keys(capsOf(req.Definition)));
    const res = await this.call<{ result?: Result }>("Solve", { ...req, allowResultReturn: true, allowResultArrayRef: true });
    return res.result ?? {};
  }

  async readFile(ref: string, path: string, range?: { offset: number; length: number }): Promise<Buffer> {
    const req = { Ref: ref, FilePath: path, Range: range && { Offset: range.offset, Length: range.length } };
    return (await this.call<{ Data?: Buffer }>("ReadFile", req)).Data ?? Buffer.alloc(0);
  }

  async statFile(ref: string, path: string): Promise<Stat> {
    return (await this.call<{ stat: Stat }>("StatFile", { Ref: ref, Path: path })).stat;
  }

  async readDir(ref: string, path: string, includePattern?: string): Promise<Stat[]> {
    const res = await this.call<{ entries?: Stat[] }>("ReadDir", { Ref: ref, DirPath: path, IncludePattern: includePattern });
    return res.entries ?? [];
  }

  async resolveImageConfig(
    ref: string,
    opts: { platform?: Platform; resolveMode?: string; logName?: string; sessionId?: string },
  ): Promise<{ digest: string; config: Buffer }> {
    const req = { Ref: ref, Platform: opts.platform, ResolveMode: opts.resolveMode, LogName: opts.logName, SessionID: opts.sessionId };
    const res = await this.call<{ Digest?: string; Config?: Buffer }>("ResolveImageConfig", req);
    return { digest: res.Digest ?? "", config: res.Config ?? Buffer.alloc(0) };
  }

  async inputs(): Promise<Record<string, Definition>> {
    return (await this.call<{ Definitions?: Record<string, Definition> }>("Inputs", {})).Definitions ?? {};
  }

  async warn(req: WarnRequest): Promise<void> {
    if (!(await this.hasCap("FrontendAPICaps", "gateway.warnings"))) return;
    const encoded = { ...req, short: Buffer.from(req.short), detail: req.detail?.map((d) => Buffer.from(d)) };
    await this.call("Warn", encoded);
  }

  /** Ends the build with a result or an error; BuildKit accepts exactly one Return. */
  async return(outcome: { result: Result } | { error: Status }): Promise<void> {
    if (this.returned) throw new Error("Return called twice");
    this.returned = true;
    await this.call("Return", outcome);
  }

  close(): void {
    this.client.close();
  }

  async hasCap(list: "FrontendAPICaps" | "LLBCaps", id: string): Promise<boolean> {
    const caps = (await this.ping())[list] ?? [];
    return caps.some((c) => c.ID === id && c.Enabled);
  }

  /** Whether BuildKit knows a cap at all (enabled or not): a measure of its version. */
  async hasCapID(list: "FrontendAPICaps" | "LLBCaps", id: string): Promise<boolean> {
    return ((await this.ping())[list] ?? []).some((c) => c.ID === id);
  }

  private async requireLLBCaps(ids: string[]): Promise<void> {
    const caps = (await this.ping()).LLBCaps ?? [];
    for (const id of ids) {
      const cap = caps.find((c) => c.ID === id);
      if (cap?.Enabled) continue;
      const why = cap?.DisabledReasonMsg ? `: ${cap.DisabledReasonMsg}` : "";
      throw new FrontendError(`this BuildKit does not support LLB feature "${id}"${why}; upgrade Docker or BuildKit`);
    }
  }

  private call<Res>(method: string, req: object): Promise<Res> {
    const reqType = gatewayType(`moby.buildkit.v1.frontend.${requestName(method)}`);
    const resType = gatewayType(`moby.buildkit.v1.frontend.${responseName(method)}`);
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        SERVICE + method,
        (value: object) => Buffer.from(reqType.encode(reqType.fromObject(value)).finish()),
        (bytes: Buffer) => decode(resType, bytes) as Res,
        req,
        (err, res) => (err ? reject(buildkitError(err)) : resolve(res as Res)),
      );
    });
  }
}

function requestName(method: string): string {
  return method === "Ping" ? "PingRequest" : `${method}Request`;
}

function responseName(method: string): string {
  return method === "Ping" ? "PongResponse" : `${method}Response`;
}

function decode(type: protobuf.Type, bytes: Buffer): object {
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false });
}

function capsOf(def: Definition): Record<string, boolean> {
  return Object.assign({}, ...Object.values(def.metadata ?? {}).map((m) => m.caps ?? {}));
}

/** BuildKit's own status (with its typed details) if it sent one. */
function buildkitError(err: grpc.ServiceError): BuildkitError {
  const [details] = err.metadata?.get("grpc-status-details-bin") ?? [];
  if (details instanceof Buffer) return new BuildkitError(decode(StatusType, details) as Status);
  return new BuildkitError({ code: err.code, message: err.details || err.message });
}
