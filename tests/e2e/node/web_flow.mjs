// octokit's OAuth app methods, unmodified, against the local API: the test gives a JSON object on stdin
// (never secrets on the command line) and reads one JSON line on stdout.
//   {"step": "url", "baseUrl", "clientId", "redirectUrl", "scopes", "state"}  -> {"url"}
//   {"step": "exchange", "baseUrl", "clientId", "clientSecret", "code", "redirectUrl"}  -> {"token", "scopes"}
// `baseUrl` is the REST API's (`.../api/v3`): octokit derives the OAuth base from it, as for GitHub Enterprise.
import { exchangeWebFlowCode, getWebFlowAuthorizationUrl } from "@octokit/oauth-methods";
import { request } from "@octokit/request";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const local = request.defaults({ baseUrl: input.baseUrl });

try {
  if (input.step === "url") {
    const { url } = getWebFlowAuthorizationUrl({
      clientType: "oauth-app",
      clientId: input.clientId,
      redirectUrl: input.redirectUrl,
      scopes: input.scopes,
      state: input.state,
      request: local,
    });
    console.log(JSON.stringify({ url }));
  } else if (input.step === "exchange") {
    const { authentication } = await exchangeWebFlowCode({
      clientType: "oauth-app",
      clientId: input.clientId,
      clientSecret: input.clientSecret,
      code: input.code,
      redirectUrl: input.redirectUrl,
      request: local,
    });
    console.log(JSON.stringify({ token: authentication.token, scopes: authentication.scopes }));
  } else {
    throw new Error(`unknown step ${input.step}`);
  }
} catch (error) {
  console.log(JSON.stringify({ error: error.message, status: error.status ?? null }));
  process.exitCode = 1;
}
