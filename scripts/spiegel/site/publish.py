"""Publishing the built site atomically: the new site replaces the old one in one rename.

MkDocs writes into ``<site_dir>.partial``; only a build that passed every check is moved into
place. The old site is kept as ``<site_dir>.old`` for the moment of the swap, so a reader (or a
web server) never sees half a site, and a failed build leaves the previous site untouched.
"""

from __future__ import annotations

import shutil
from pathlib import Path

__all__ = ["discard", "publish"]


def publish(staging: Path, final: Path) -> None:
    """Replace ``final`` by ``staging``."""
    old = final.with_name(final.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def discard(staging: Path) -> None:
    """Throw a failed build away; the previous site stays as it was."""
    shutil.rmtree(staging, ignore_errors=True)
