"""Files written so that a reader never sees half of them, and file digests: used by every command.

A report, a declaration, scan evidence or a cache entry goes to a temporary file beside its target, is
flushed and fsynced, then renamed over the target. On any failure, Ctrl-C included, the temporary file
is removed and an existing target is left exactly as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from policy_engine.errors import UsageError


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_DIGESTS: dict[tuple[str, int, int, int], str] = {}


def sha256_file_memo(path: Path) -> str:
    """``sha256_file``, remembered in this process while the file's size, mtime and inode stay the same.

    An audit checks a data manifest's pinned digest and then keys the scan cache on the same digest:
    a multi-gigabyte data file is read once, not twice. Signing and verification use ``sha256_file``.
    """
    stat = os.stat(path)
    key = (os.path.realpath(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    digest = _DIGESTS.get(key)
    if digest is None:
        digest = _DIGESTS[key] = sha256_file(path)
    return digest


@contextlib.contextmanager
def open_atomic(path: Path, *, binary: bool = False) -> Iterator[IO]:
    """A file handle whose content replaces ``path`` only when the ``with`` block completes."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}",
                         hint=f"check that the folder {folder} exists and is writable") from exc
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": "\n"})) \
                as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600; give the file the mode a plain open() would (or the old file's).
        os.chmod(temporary, _target_mode(path))
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}",
                             hint="check free space and permissions; the previous file, if any, is unchanged") from exc
        raise
    _fsync_directory(folder)


def write_atomic(path: Path, content: str | bytes) -> None:
    """Replace ``path`` with ``content`` (text as UTF-8) atomically."""
    with open_atomic(path, binary=isinstance(content, bytes)) as handle:
        handle.write(content)


@contextlib.contextmanager
def output(path: Path | None) -> Iterator[IO[str]]:
    """stdout when ``path`` is None, else an atomic file (for commands with ``--output``)."""
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with open_atomic(path) as handle:
        yield handle


def _target_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
