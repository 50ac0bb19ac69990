// An SFTP server that lies, for what a real sshd will not do: built on ssh2's server side (the
// library the app's client uses), it accepts any login and answers each READDIR with the next batch
// of `listing`, for as long as that gives one.
import type { AddressInfo } from "node:net";
import ssh2, { type FileEntry } from "ssh2";

export type HostileSftp = {
  host: string;
  port: number;
  /** READDIR requests answered so far */
  readdirs: number;
  close(): Promise<void>;
};

const { Server, utils } = ssh2;
const { STATUS_CODE } = utils.sftp;
const DIRECTORY = { mode: 0o40755, uid: 0, gid: 0, size: 0, atime: 0, mtime: 0 };

/** `listing(n)`: the n-th READDIR answer's entries, or null for the end of the folder. */
export async function startHostileSftp(listing: (batch: number) => FileEntry[] | null): Promise<HostileSftp> {
  const server = new Server({ hostKeys: [utils.generateKeyPairSync("ed25519").private] }, (client) => {
    client.on("error", () => undefined);
    client.on("authentication", (context) => context.accept());
    client.on("ready", () =>
      client.on("session", (acceptSession) =>
        acceptSession().on("sftp", (acceptSftp) => {
          const sftp = acceptSftp();
          let batch = 0;
          sftp.on("OPENDIR", (id) => {
            batch = 0;
            sftp.handle(id, Buffer.from("folder"));
          });
          sftp.on("READDIR", (id) => {
            state.readdirs += 1;
            const entries = listing(batch++);
            if (entries) sftp.name(id, entries);
            else sftp.status(id, STATUS_CODE.EOF);
          });
          sftp.on("CLOSE", (id) => sftp.status(id, STATUS_CODE.OK));
          sftp.on("REALPATH", (id, path) => sftp.name(id, [{ filename: path, longname: "", attrs: DIRECTORY }]));
          sftp.on("STAT", (id) => sftp.attrs(id, DIRECTORY));
          sftp.on("MKDIR", (id) => sftp.status(id, STATUS_CODE.OK));
        }),
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const state: HostileSftp = {
    host: "127.0.0.1",
    port: (server.address() as AddressInfo).port,
    readdirs: 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return state;
}
