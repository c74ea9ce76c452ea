"""The local API of oauth-authz: API Gateway (REST) + Lambda + DynamoDB, emulated on this machine.

- ``sam_model`` (with ``cfn/``: ``yaml_loader``, ``intrinsics``): reads ``template.yaml`` into a
  ``Template`` and from it the functions, routes, the authorizer, gateway responses, layers and the table.
- ``apigw/``: the API Gateway emulator (``routing``, ``events``, ``authorizer``, ``gateway_responses``,
  ``integration``, and ``gateway``, which takes a request through them); ``http_server`` serves it.
- ``lambda_runtime/``: every function instance in a worker process (``worker`` and ``context`` run in the
  worker; ``pool`` and ``processes`` in the gateway's process).
- ``embedded_dynamodb`` (with ``dynamodb_journal`` and ``moto_backend``): moto in server mode, kept on disk.
- ``local_api``: ``python -m oauth_authz_local serve`` and ``start_local_api`` for tests; ``docs_site``:
  ``/openapi.json`` and ``/docs``; ``openapi``: the generator of ``openapi.json``.
- ``admin_cli``: the ``oauth-authz`` command; ``totp_key``: the data dir's key for TOTP seeds;
  ``constants``: the account, region, API id and stage the local API goes by, and API Gateway's limits.
"""
