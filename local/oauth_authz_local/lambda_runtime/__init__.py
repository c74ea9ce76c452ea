"""Lambda's Python runtime emulated for the local API: every function instance is a worker process.

``worker`` (with ``context``) is what runs in the worker process; ``pool`` and ``processes`` run in the
gateway's process and start, reuse, time out and stop the workers. Nothing of the parent's side is imported
in a worker. ``failures`` names what an invocation can end with.
"""
