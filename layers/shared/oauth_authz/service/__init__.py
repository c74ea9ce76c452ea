"""Business rules: one function per use case, called by exactly one handler each."""
