"""oauth-authz: GitHub's OAuth Authorizations API, serverless. The code shared by every function."""
