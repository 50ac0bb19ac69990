// Load from wrk (Debian's `wrk` package), a C load generator whose CPU per request is a few
// microseconds, so the server's cost is not hidden by the generator's. Each webhook must be signed
// and carry its own id, which wrk cannot do fast in Lua; so the requests are rendered here, as raw
// HTTP/1.1, into one file per wrk thread, and a small Lua script replays them once each.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export type RenderedRequest = { body: string; headers: Record<string, string> };

export type WrkResult = {
  requests: number;
  /** a thread ran out of prepared requests and repeated some: prepare more for this rate */
  exhausted: boolean;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  /** non-2xx answers and socket errors, as wrk counts them */
  errors: number;
  /** CPU the generator used per request, µs */
  generatorCpuUs: number;
};

const THREADS = 2;

// Length-prefixed raw requests, each sent once; a thread that runs out starts again from its first
// request (those repeat a webhook id, so they cost the server less) and the run says so.
// In open-loop mode each connection waits its share of the offered rate before every request (wrk
// decides whether a script paces from whether it defines delay(), so the two modes are two scripts).
const script = (pauseMs: number) => `
local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  threads[#threads + 1] = thread
end
local requests, sent
function init(args)
  local file = io.open(args[1] .. "/requests-" .. id .. ".bin", "rb")
  local data = file:read("*a")
  file:close()
  requests = {}
  local at = 1
  while at <= #data do
    local newline = string.find(data, "\\n", at, true)
    local size = tonumber(string.sub(data, at, newline - 1))
    requests[#requests + 1] = string.sub(data, newline + 1, newline + size)
    at = newline + size + 1
  end
  sent = 0
  wrapped = false
end
function request()
  sent = sent + 1
  if sent > #requests then
    sent = 1
    wrapped = true
  end
  return requests[sent]
end
${pauseMs > 0 ? `function delay()\n  return ${Math.max(1, Math.round(pauseMs))}\nend` : ""}
function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    if thread:get("wrapped") then io.write("exhausted\\n") end
  end
end
`;

function rendered(port: number, item: RenderedRequest): string {
  const body = Buffer.from(item.body, "utf8");
  const head = [`POST /webhooks HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...Object.entries(item.headers).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${body.length}`, "", ""].join("\r\n");
  return head + item.body;
}

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** wrk prints latencies as "1.23ms", "850.00us" or "1.02s". */
function milliseconds(value: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!match) return NaN;
  const n = Number(match[1]);
  return match[2] === "us" ? n / 1000 : match[2] === "ms" ? n : match[2] === "s" ? n * 1000 : n * 60_000;
}

export function wrkAvailable(): boolean {
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
    return true;
  } catch (error) {
    // wrk --version exits 1 after printing its version.
    return (error as { status?: number }).status === 1;
  }
}

/**
 * Sends every request once over `connections` connections and reports what wrk measured.
 * `offeredRate` (requests/s over all connections) turns on open-loop pacing.
 */
export async function wrkLoad(
  port: number,
  items: readonly RenderedRequest[],
  options: { connections: number; seconds: number; offeredRate?: number; serverPids?: readonly number[] },
): Promise<WrkResult & { serverCpuUs: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ot-wrk-"));
  try {
    for (let t = 0; t < THREADS; t += 1) {
      const mine = items.filter((_, i) => i % THREADS === t).map((item) => rendered(port, item));
      writeFileSync(path.join(dir, `requests-${t}.bin`), mine.map((r) => `${Buffer.byteLength(r, "utf8")}\n${r}`).join(""));
    }
    const pauseMs = options.offeredRate ? (options.connections / options.offeredRate) * 1000 : 0;
    writeFileSync(path.join(dir, "replay.lua"), script(pauseMs));
    const args = ["-t", String(THREADS), "-c", String(options.connections), "-d", `${options.seconds}s`, "--latency", "-s", path.join(dir, "replay.lua"), `http://127.0.0.1:${port}/webhooks`, "--", dir];
    const serverBefore = (options.serverPids ?? []).map(cpuSeconds);
    const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    let cpu = 0;
    const sample = setInterval(() => {
      const used = cpuSeconds(child.pid!);
      if (Number.isFinite(used)) cpu = used;
    }, 50);
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    clearInterval(sample);
    if (code !== 0) throw new Error(`wrk exited with ${code}: ${output}`);
    const serverCpu = (options.serverPids ?? []).reduce((sum, pid, i) => sum + cpuSeconds(pid) - serverBefore[i]!, 0);
    const requests = Number(/(\d+) requests in ([\d.]+)(ms|s|m)/.exec(output)?.[1] ?? NaN);
    const spent = /\d+ requests in ([\d.]+)(ms|s|m)/.exec(output);
    const seconds = spent ? milliseconds(`${spent[1]}${spent[2]}`) / 1000 : NaN;
    const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0) + [...output.matchAll(/(?:connect|read|write|timeout) (\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
    return {
      requests,
      exhausted: output.includes("exhausted"),
      serverCpuUs: (serverCpu * 1e6) / requests,
      seconds,
      rate: requests / seconds,
      p50: milliseconds(/\n\s+50%\s+(\S+)/.exec(output)?.[1] ?? ""),
      p99: milliseconds(/\n\s+99%\s+(\S+)/.exec(output)?.[1] ?? ""),
      errors,
      generatorCpuUs: (cpu * 1e6) / requests,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
