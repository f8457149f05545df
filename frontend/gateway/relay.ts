// grpc-js has no client transport over an arbitrary stream, and BuildKit serves the LLBBridge
// over our stdin/stdout. So grpc-js dials a unix socket of our own, and the first (only)
// connection is spliced to stdin/stdout. This keeps grpc-js's status and metadata handling
// (grpc-status-details-bin carries BuildKit's typed errors) with only public API.
import net from "node:net";

/** Listens on an abstract unix socket and relays its one connection to stdin/stdout. */
export async function stdioRelay(): Promise<string> {
  const path = `\0sidebundle-frontend-${process.pid}`;
  const server = net.createServer();
  server.on("connection", (sock) => {
    if (server.listening) server.close();
    else return void sock.destroy();
    process.stdin.pipe(sock);
    sock.pipe(process.stdout);
    // BuildKit closing our stdin means the build is over: nothing more can be said.
    process.stdin.on("end", () => sock.end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, resolve);
  });
  return `unix:${path}`;
}
