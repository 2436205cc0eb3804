"""Files that hold personal data or codes are the owner's alone (issue 19, issue 20 #12).

Exports, letters, ``.eml`` files, invitation-code sheets and the SQLite database are created
0600 in folders made 0700, whatever the umask, and a file that already existed with wider
permissions is narrowed before anything is written into it. SQLite gives its ``-wal`` and
``-shm`` files the permissions of the database file, so creating that one privately suffices.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """``path`` (and missing parents) as a folder only the owner can enter."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)
    return path


def open_private(path: Path, mode: str = "w", *, exclusive: bool = False, **kw: Any) -> IO[Any]:
    """Open ``path`` for writing as an owner-only file (``exclusive``: it must not exist yet)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    flags |= getattr(os, "O_NOFOLLOW", 0)  # never write personal data through a planted link
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # an older file may have been wider; the umask may be 0
        return os.fdopen(fd, mode, **kw)
    except BaseException:
        os.close(fd)
        raise


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename), owner-only."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open_private(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def touch_private(path: Path) -> None:
    """Create ``path`` empty and owner-only if it is missing; narrow it if it is wider."""
    private_dir(path.parent) if not path.parent.exists() else None
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
