"""Models: `api` for what crosses HTTP, `domain` for what the service works with. Items live in `store.items`."""
