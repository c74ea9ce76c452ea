"""Benchmarks of oauth-authz (`make bench`): DynamoDB round trips and capacity per route, handler overhead,
cold start, the authorizer's password cost, the local API's throughput, and the cost on AWS estimated.

Every figure is a ratio against a baseline taken in the same run on the same store, because this machine is
shared and noisy; nothing here runs under `make test`. Results: `bench/RESULTS.md` and `bench/results.json`.
"""
