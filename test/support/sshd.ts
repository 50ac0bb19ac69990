// A real OpenSSH server for tests: started on 127.0.0.1 and a free port from a config in a temp dir,
// with a freshly generated host key and a user key, serving SFTP (internal-sftp) to the user the tests
// run as. Needs Debian's openssh-server (.ci/run installs it).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort } from "./app-server";

const SSHD = "/usr/sbin/sshd";

export type TestSshd = {
  host: string;
  port: number;
  username: string;
  /** private key (OpenSSH format) authorised for `username` */
  userKey: string;
  /** another private key that is NOT authorised */
  strangerKey: string;
  /** fingerprint of the server's host key, as `ssh-keygen -l` prints it */
  hostKeyFingerprint: string;
  /** a directory the test user can write, for the SFTP folder */
  root: string;
  stop(): Promise<void>;
};

function keygen(file: string) {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "order-truth-test", "-f", file], { stdio: "ignore" });
}

function fingerprintOf(publicKeyFile: string): string {
  const blob = Buffer.from(readFileSync(publicKeyFile, "utf8").trim().split(/\s+/)[1]!, "base64");
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

async function waitForBanner(port: number, child: ChildProcess, log: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}:\n${log()}`);
    const banner = await new Promise<string>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("data", (data) => {
        socket.destroy();
        resolve(data.toString());
      });
      socket.once("error", () => resolve(""));
    });
    if (banner.startsWith("SSH-")) return;
    if (Date.now() > deadline) throw new Error(`sshd did not answer on ${port}:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function sshdAvailable(): boolean {
  return existsSync(SSHD);
}

export async function startSshd(): Promise<TestSshd> {
  if (!sshdAvailable()) throw new Error(`${SSHD} is missing: apt-get install openssh-server (.ci/run does)`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "ot-sshd-"));
  const root = path.join(dir, "sftp");
  mkdirSync(root);
  keygen(path.join(dir, "host_ed25519"));
  keygen(path.join(dir, "user_ed25519"));
  keygen(path.join(dir, "stranger_ed25519"));
  writeFileSync(path.join(dir, "authorized_keys"), readFileSync(path.join(dir, "user_ed25519.pub")));
  const username = os.userInfo().username;
  const asRoot = process.getuid?.() === 0;
  // Root's sshd wants its privilege-separation directory; an unprivileged one does not use it.
  if (asRoot) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const port = await freePort();
  const config = path.join(dir, "sshd_config");
  writeFileSync(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${path.join(dir, "host_ed25519")}`,
      `PidFile ${path.join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
      "StrictModes no",
      "UsePAM no",
      "PubkeyAuthentication yes",
      "PasswordAuthentication yes",
      "KbdInteractiveAuthentication no",
      `PermitRootLogin ${asRoot ? "prohibit-password" : "no"}`,
      "Subsystem sftp internal-sftp",
      "LogLevel ERROR",
      "",
    ].join("\n"),
  );
  let log = "";
  const child = spawn(SSHD, ["-D", "-e", "-f", config], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitForBanner(port, child, () => log);
  } catch (error) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    host: "127.0.0.1",
    port,
    username,
    userKey: readFileSync(path.join(dir, "user_ed25519"), "utf8"),
    strangerKey: readFileSync(path.join(dir, "stranger_ed25519"), "utf8"),
    hostKeyFingerprint: fingerprintOf(path.join(dir, "host_ed25519.pub")),
    root,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
