"""Write a report so that a reader never sees half of it: temp file beside it, fsync, rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from policy_engine.errors import UsageError


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically.

    The text goes to a temporary file in the same directory (so the rename cannot cross file systems),
    is flushed and fsynced, then renamed over ``path``. On any failure, including Ctrl-C, the temporary
    file is removed and an existing ``path`` is left exactly as it was.
    """
    path = Path(path)
    directory = path.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise UsageError(
            f"cannot write report {path}: {exc.strerror or exc}",
            hint=f"check that the directory {directory} exists and is writable",
        ) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600; give the report the mode a plain open() would (or the old file's).
        os.chmod(tmp_name, _target_mode(path))
        os.replace(tmp_name, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError):
            raise UsageError(
                f"cannot write report {path}: {exc.strerror or exc}",
                hint="check free space and permissions; the previous file, if any, is unchanged",
            ) from exc
        raise
    _fsync_directory(directory)


def _target_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable; not every platform can open a directory, which is fine."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
