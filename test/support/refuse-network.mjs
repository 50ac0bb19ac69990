// Preloaded into an app process (NODE_OPTIONS=--import) by tests that must prove a path reaches no
// remote service: every outgoing fetch gets a 503 from undici's MockAgent and is reported on stderr
// by method, origin and path (never query or body, which may carry tokens). Not imported by tests
// themselves: it would refuse their own requests to the app.
import { isMainThread } from "node:worker_threads";
import { MockAgent, setGlobalDispatcher } from "undici";

const agent = new MockAgent();
agent.disableNetConnect();
agent
  .get(() => true)
  .intercept({ path: () => true, method: () => true })
  .reply(({ method, origin, path }) => {
    process.stderr.write(`outbound request refused: ${method} ${origin ?? ""}${path.split("?")[0]}\n`);
    return { statusCode: 503, data: "" };
  })
  .persist();
setGlobalDispatcher(agent);
// Worker threads run the preload too; one line from the main thread tells the test it is in place.
if (isMainThread) process.stderr.write("outbound HTTP refused in this process\n");
