"""The local API of oauth-authz: API Gateway (REST) + Lambda + DynamoDB, emulated on this machine.

- ``template``: reads ``template.yaml`` (CloudFormation tags included) into routes, the authorizer,
  gateway responses, function environments and the table definition.
- ``store``: an embedded DynamoDB (moto in server mode) that keeps its data across restarts.
- ``gateway``: the API Gateway emulator that runs the real authorizer and handlers.
- ``server``: ``python -m oauth_authz_local serve`` and ``start_local_api`` for tests.
"""
