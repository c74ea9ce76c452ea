"""lambda_runtime.processes: where workers come from, what the fork server preloads, how an end reads."""

from __future__ import annotations

import multiprocessing
import signal
from pathlib import Path

from oauth_authz_local.lambda_runtime import processes
from oauth_authz_local.lambda_runtime.processes import WORKER_PRELOAD, worker_context


def test_workers_never_come_from_a_plain_fork() -> None:
    method = worker_context().get_start_method()
    assert method in ("forkserver", "spawn")
    if "forkserver" in multiprocessing.get_all_start_methods():
        assert method == "forkserver"


def test_the_preload_list_leaves_out_what_reads_powertools_settings_at_import() -> None:
    assert "oauth_authz.observability" not in WORKER_PRELOAD
    assert "oauth_authz.http" not in WORKER_PRELOAD
    assert "aws_lambda_powertools.event_handler" in WORKER_PRELOAD


def test_a_console_scripts_imports_are_preloaded(tmp_path: Path) -> None:
    wrapper = tmp_path / "runner"
    wrapper.write_text(
        '"""doc"""\nimport sys\nimport a.b, c\nfrom d.e import f\nfrom . import g\n'
        'if __name__ == "__main__":\n    sys.exit(f())\n'
    )
    assert processes._script_imports(str(wrapper)) == ["sys", "a.b", "c", "d.e"]
    # any other script may do anything at its top level: nothing of it goes to the fork server
    script = tmp_path / "script.py"
    script.write_text("import sys\nimport c\nc.start_threads()\n")
    assert processes._script_imports(str(script)) == []
    assert processes._script_imports(str(tmp_path / "missing.py")) == []


def test_exit_status_reads_like_lambdas() -> None:
    assert processes._exit_status(3) == "exit status 3"
    assert processes._exit_status(-signal.SIGKILL) == "signal: SIGKILL"
    assert processes._exit_status(-signal.SIGSEGV) == "signal: SIGSEGV"
    assert processes._exit_status(None) == "still running"
