// Frontend image cold start: time from `docker run` of sidebundle/frontend to the first Ping it
// sends, answered by a minimal LLBBridge stand-in speaking gRPC over the container's stdio, as
// BuildKit does. Baseline, same run: the same image running `node -e 0` (container + Node start).
import { spawn } from "node:child_process";
import http2 from "node:http2";
import { Duplex } from "node:stream";

const RUNS = 5;

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Starts the frontend container and resolves with the time its first Ping took to arrive. */
function timeToPing(): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn("docker", ["run", "--rm", "-i", "--network=none", "sidebundle/frontend"], {
      stdio: ["pipe", "pipe", "ignore"],
    });
    const server = http2.createServer();
    let firstPing = 0;
    server.on("stream", (stream, headers) => {
      const path = String(headers[":path"]);
      if (path.endsWith("/Ping") && !firstPing) firstPing = ms(start);
      // An empty PongResponse for Ping; UNIMPLEMENTED for the rest makes the frontend Return and exit.
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () =>
        stream.sendTrailers(path.endsWith("/Ping") ? { "grpc-status": "0" } : { "grpc-status": "12", "grpc-message": "bench" }),
      );
      stream.end(path.endsWith("/Ping") ? Buffer.from([0, 0, 0, 0, 0]) : undefined);
    });
    server.emit("connection", Duplex.from({ readable: child.stdout, writable: child.stdin }));
    child.on("exit", () => (firstPing ? resolve(firstPing) : reject(new Error("the frontend never sent Ping"))));
  });
}

function timeNodeStart(): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn("docker", ["run", "--rm", "--network=none", "--entrypoint", "/usr/bin/node", "sidebundle/frontend", "-e", "0"]);
    child.on("exit", (code) => (code === 0 ? resolve(ms(start)) : reject(new Error(`node -e 0 exited ${code}`))));
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function sample(f: () => Promise<number>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) xs.push(await f());
  return median(xs);
}

const baseline = await sample(timeNodeStart);
const ping = await sample(timeToPing);
console.log(`container + node -e 0 (baseline): ${baseline.toFixed(0)} ms`);
console.log(`container start to first Ping:    ${ping.toFixed(0)} ms`);
console.log(`cold start ratio: ${(ping / baseline).toFixed(2)}x baseline (+${(ping - baseline).toFixed(0)} ms of frontend start)`);
