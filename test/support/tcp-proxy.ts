import net from "node:net";
import { Transform } from "node:stream";

/**
 * A loopback TCP proxy the test can unplug and plug back in, to take a database "down" for one app
 * only; it also counts the bytes the target sent, and can go silent mid-transfer (stallAfter).
 */
export async function startTcpProxy(targetPort: number, targetHost = "127.0.0.1") {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let port = 0;
  let fromTarget = 0;
  let stallAt = Infinity;
  // A stalled direction holds its chunk and never asks for more: the peer sees an open, silent link.
  const forward = (count: boolean) =>
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        if (fromTarget >= stallAt) return;
        if (count) fromTarget += chunk.byteLength;
        done(null, chunk);
      },
    });
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(targetPort, targetHost);
        for (const s of [client, upstream]) {
          s.setNoDelay(true);
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => s.destroy());
        }
        client.pipe(forward(false)).pipe(upstream).pipe(forward(true)).pipe(client);
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    /** Bytes the target has sent through the proxy so far, on all connections. */
    get bytesFromTarget() {
      return fromTarget;
    },
    /** Once the target has sent `bytes` in all, nothing more passes either way; connections stay open. */
    stallAfter(bytes: number) {
      stallAt = bytes;
    },
    /** Refuses new connections and cuts the open ones. */
    async unplug() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = null;
    },
    plugIn: listen,
    close() {
      return this.unplug();
    },
  };
}
