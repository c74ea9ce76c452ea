// users.getAuthenticated with @octokit/rest, as a user runs it: `node octokit_user.mjs BASE_URL`, the token in
// the environment (OCTOKIT_TOKEN, never an argument). Prints {login, name, status, scopes} as JSON.
import { Octokit } from "@octokit/rest";

const octokit = new Octokit({ auth: process.env.OCTOKIT_TOKEN, baseUrl: process.argv[2] });
const answer = await octokit.rest.users.getAuthenticated();
console.log(JSON.stringify({
  login: answer.data.login,
  name: answer.data.name,
  url: answer.data.url,
  status: answer.status,
  scopes: answer.headers["x-oauth-scopes"],
}));
