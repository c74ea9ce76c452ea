"""API Gateway (REST API, Lambda proxy integration, Lambda authorizer) emulated for the local API."""
