"""Write a whole output folder or nothing: results go to a temporary sibling, renamed at the end."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from trajlens.exceptions import OutputError


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


@contextmanager
def atomic_output_dir(out: str | Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``out`` only if the block succeeds.

    If the block raises, the temporary folder (and any parent folders this call created)
    is removed and ``out`` is left as it was: a failed run leaves nothing half-written.

    Parameters
    ----------
    out : path
        The folder the results should end up in.
    overwrite : bool, default False
        Replace ``out`` if it exists and is not empty; otherwise that is an error.

    Raises
    ------
    OutputError
        ``out`` is a file, is a non-empty folder and ``overwrite`` is False, or cannot be
        created.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out: {out} exists and is not a folder; expected a folder path")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise OutputError(
            f"--out: {out} exists and is not empty; choose a new folder or pass --overwrite"
        )
    parent = out.absolute().parent
    created: list[Path] = []
    probe = parent
    while not probe.exists():
        created.append(probe)
        probe = probe.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=parent))
    except OSError as exc:
        for path in created:
            shutil.rmtree(path, ignore_errors=True)
        raise OutputError(f"--out: cannot create {out}: {_reason(exc)}") from None
    try:
        yield tmp
        os.chmod(tmp, 0o755)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
            os.replace(out, old / "previous")
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for path in reversed(created):
            shutil.rmtree(path, ignore_errors=True)
        raise
