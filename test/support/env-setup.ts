// Every test process, and each server it starts, gets its own random key: the code has none built in
// (decision 021), and a key from the shell running the tests has no business here. Tests talk to their
// own sshd on 127.0.0.1, which only this flag lets SFTP pickup reach; a test of the defaults unsets
// both for the server it starts.
import { randomBytes } from "node:crypto";

process.env.ENCRYPTION_KEY = randomBytes(32).toString("base64");
delete process.env.ENCRYPTION_KEY_PREVIOUS;
process.env.SFTP_ALLOW_PRIVATE_HOSTS = "1";
