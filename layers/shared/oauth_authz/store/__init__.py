"""The single table: key builders, item conversion and the repository (the only code that knows keys)."""
