"""Models: `api` for what crosses HTTP, `domain` for what the service uses. Items live in `store.items`."""
