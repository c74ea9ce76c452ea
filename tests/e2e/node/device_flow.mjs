// octokit's device flow (`@octokit/auth-oauth-device`) and refresh (`refreshToken` of `@octokit/oauth-methods`),
// unmodified, against the local API. The test gives a JSON object on stdin (never secrets on the command line)
// and reads JSON lines on stdout:
//   {"step": "device", "baseUrl", "clientId", "scopes", "clientType"}   ("github-app" reads expiring tokens)
//       -> {"verification": {user_code, verification_uri, ...}}   (onVerification: the test's browser types it)
//       -> {"token", "scopes", "refreshToken", "expiresAt"}          (once the user approved and a poll got it)
//   {"step": "refresh", "baseUrl", "clientId", "clientSecret", "refreshToken"}
//       -> {"token", "refreshToken", "expiresAt", "refreshTokenExpiresAt"}
// `baseUrl` is the REST API's (`.../api/v3`): octokit derives the OAuth base from it, as for GitHub Enterprise.
import { createOAuthDeviceAuth } from "@octokit/auth-oauth-device";
import { refreshToken } from "@octokit/oauth-methods";
import { request } from "@octokit/request";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const local = request.defaults({ baseUrl: input.baseUrl });

try {
  if (input.step === "device") {
    const auth = createOAuthDeviceAuth({
      clientType: input.clientType ?? "oauth-app",
      clientId: input.clientId,
      scopes: input.scopes,
      request: local,
      onVerification(verification) {
        console.log(JSON.stringify({ verification }));
      },
    });
    const authentication = await auth({ type: "oauth" });
    console.log(
      JSON.stringify({
        token: authentication.token,
        scopes: authentication.scopes,
        refreshToken: authentication.refreshToken ?? null,
        expiresAt: authentication.expiresAt ?? null,
      }),
    );
  } else if (input.step === "refresh") {
    const { authentication } = await refreshToken({
      clientType: "github-app",
      clientId: input.clientId,
      clientSecret: input.clientSecret,
      refreshToken: input.refreshToken,
      request: local,
    });
    console.log(
      JSON.stringify({
        token: authentication.token,
        refreshToken: authentication.refreshToken,
        expiresAt: authentication.expiresAt,
        refreshTokenExpiresAt: authentication.refreshTokenExpiresAt,
      }),
    );
  } else {
    throw new Error(`unknown step ${input.step}`);
  }
} catch (error) {
  console.log(JSON.stringify({ error: error.message, status: error.status ?? null }));
  process.exitCode = 1;
}
