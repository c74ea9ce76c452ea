"""The repository stands alone: nothing it tracks reads or links a path outside it.

A user clones the repository and has nothing beside it, so a test, a link or a script that reaches for
`../something` (or an absolute path on the machine it was written on) works for its author and fails for
everyone else. Seen red with `tests/support/schemas.py` reading GitHub's reference from a folder beside the
clone, and with the README linking the contract there. `.ci/run` proves the rest by running the suite in a
copy of the clone with nothing beside it.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# A relative path that starts at a token's beginning: `../x`, `../../x` (not `.../x`, not `/a/../b`).
_RELATIVE = re.compile(r"""(?:^|(?<=[\s"'`(<=\[,:]))((?:\.\./)+[\w.-][\w./-]*)""")
# `Path(...) / ".."`: a walk up out of the tree, spelled as a path segment in code.
_PARENT_SEGMENT = re.compile(r"""/\s*["']\.\.["']""")
# Absolute paths of the machines this was written on.
_MACHINE_PATHS = re.compile(r"(?<![\w.])/(?:work|root|home)/[\w.-]+")

_SKIP_SUFFIXES = {".lock", ".png", ".jpg", ".svg", ".ico", ".gz", ".zip"}


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, check=True, capture_output=True
    ).stdout.decode()
    files = [REPO / name for name in listed.split("\0") if name]
    # This module spells out what it looks for, as examples.
    own = Path(__file__).resolve()
    return [path for path in files if path.suffix not in _SKIP_SUFFIXES and path.is_file() and path != own]


def _outside(base: Path, relative: str) -> bool:
    target = (base / relative).resolve()
    return not target.is_relative_to(REPO)


def offending_lines(path: Path, text: str) -> list[str]:
    """The lines of `text` (the file at `path`) that name a path outside the repository."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        relatives = [match for match in _RELATIVE.findall(line) if _outside(path.parent, match)]
        if relatives or _PARENT_SEGMENT.search(line) or _MACHINE_PATHS.search(line):
            found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:160]}")
    return found


def test_no_tracked_file_names_a_path_outside_the_repository() -> None:
    offending = []
    for path in _tracked_text_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        offending += offending_lines(path, text)
    assert offending == []


@pytest.mark.parametrize(
    ("where", "line", "outside"),
    [
        ("README.md", "The contract is [SPEC](" + "../" + "shared/SPEC.md).", True),
        ("tests/support/schemas.py", 'REFERENCE = Path(__file__).parents[2] / ".." / "shared"', True),
        ("docs/reference/README.md", "see ../../../elsewhere/file.txt", True),
        ("README.md", "open /work/shared/reference/x.json", True),
        ("README.md", "The contract is [SPEC](docs/SPEC.md).", False),
        ("README.md", "GET/POST/DELETE .../tokens/{token}", False),
        ("tests/e2e/test_e2e_docs.py", '("GET", "/docs/../template.yaml")', False),
        ("docs/reference/README.md", "[design](../design.md)", False),
    ],
)
def test_the_check_tells_inside_from_outside(where: str, line: str, outside: bool) -> None:
    assert bool(offending_lines(REPO / where, line)) is outside
