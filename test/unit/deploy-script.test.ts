// `npm run deploy` refuses to deploy customer account extensions that would be bundled without the
// app's URL, or with a URL that is not the app's.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { deployProblem } from "../../scripts/deploy.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const APP = "https://order-truth.example.com";

describe("npm run deploy's check", () => {
  it("lets a deploy through with APP_URL in .env equal to SHOPIFY_APP_URL, trailing slash or not", () => {
    expect(deployProblem({ shell: {}, dotenv: { APP_URL: APP, SHOPIFY_APP_URL: `${APP}/` } })).toBeNull();
    expect(deployProblem({ shell: { SHOPIFY_APP_URL: APP }, dotenv: { APP_URL: APP } })).toBeNull();
    expect(deployProblem({ shell: {}, dotenv: { APP_URL: APP } })).toBeNull();
  });

  it("refuses without APP_URL, in the shell or in .env", () => {
    expect(deployProblem({ shell: { SHOPIFY_APP_URL: APP }, dotenv: {} })).toMatch(/^APP_URL is not set/);
    expect(deployProblem({ shell: {}, dotenv: { APP_URL: "" } })).toMatch(/^APP_URL is not set/);
  });

  it("refuses an APP_URL that is not the app's", () => {
    expect(deployProblem({ shell: {}, dotenv: { APP_URL: "https://old-tunnel.trycloudflare.com", SHOPIFY_APP_URL: APP } })).toMatch(
      /differs from SHOPIFY_APP_URL/,
    );
  });

  it("refuses an APP_URL exported in the shell that overrides another in .env", () => {
    expect(deployProblem({ shell: { APP_URL: "https://old-tunnel.trycloudflare.com" }, dotenv: { APP_URL: APP } })).toMatch(/overrides the one in \.env/);
  });

  it("refuses an APP_URL that is not an https URL", () => {
    expect(deployProblem({ shell: {}, dotenv: { APP_URL: "http://order-truth.example.com" } })).toMatch(/must be an https URL/);
    expect(deployProblem({ shell: {}, dotenv: { APP_URL: "order-truth.example.com" } })).toMatch(/is not a URL/);
  });

  it("stops before running Shopify CLI when the check fails", () => {
    const run = spawnSync(process.execPath, [path.join(root, "scripts/deploy.mjs")], {
      cwd: root,
      encoding: "utf8",
      // Whatever a .env here holds, this shell's APP_URL is refused: over http, or overriding the file's.
      env: { NODE_ENV: "test", PATH: process.env.PATH, APP_URL: "http://insecure.example.com" },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^npm run deploy: APP_URL .*\n$/);
    expect(run.stdout).toBe("");
  });
});
