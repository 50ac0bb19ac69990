import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export type AppProcess = { url: string; child: ChildProcess; output: () => string; stop: () => Promise<void> };

/** Starts the production server (server/index.js over the build) and waits until /healthz answers. */
export async function startAppProcess(options: { port: number; env: Record<string, string | undefined>; timeoutMs?: number; quiet?: boolean; nodeArgs?: string[] }): Promise<AppProcess> {
  const url = `http://127.0.0.1:${options.port}`;
  let log = "";
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), path.join(PROJECT_ROOT, "server/index.js")], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...options.env, PORT: String(options.port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const collect = (chunk: Buffer) => {
    log += chunk.toString();
    if (!options.quiet) process.stdout.write(chunk);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode}:\n${log}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`app did not become healthy on ${url}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    output: () => log,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
