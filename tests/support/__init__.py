"""Shared test helpers: events, handler invocation, schema checks and table invariants."""
