"""The organisation's logo (``logo:`` in content/site.yaml, optional): alt text, size, example check.

The repository ships an invented logo (``content/assets/logo.svg``) with the word VOORBEELD in
it; a production build refuses it like any other example value, also when the marker in
site.yaml was removed but the file was not replaced. The size goes into ``width``/``height`` so
the browser keeps room for the logo before it has loaded (nothing moves on a slow line).
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any

from spiegel.content.examples import Example

__all__ = ["logo_example", "logo_info"]

_NUMBER = r"\s*([0-9]+(?:\.[0-9]+)?)"
_MARK = re.compile(r"\bVOORBEELD\b")
_VIEWBOX = re.compile(r"\bviewBox=[\"']" + _NUMBER * 4, re.I)


def _size(path: Path) -> tuple[int, int] | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return (width, height) if width and height else None
    head = data[:2000].decode("utf-8", "replace")
    box = _VIEWBOX.search(head)
    if box:
        width, height = float(box.group(3)), float(box.group(4))
        if width > 0 and height > 0:
            return round(width), round(height)
    return None


def logo_info(content_dir: Path, site: dict[str, Any]) -> dict[str, Any] | None:
    """What the templates need to show the logo, or None when there is none."""
    if not site.get("logo"):
        return None
    size = _size(content_dir / site["logo"])
    return {
        "src": site["logo"],
        "alt": site.get("logo_alt") or site["organisation"]["name"],
        "width": size[0] if size else None,
        "height": size[1] if size else None,
    }


def logo_example(content_dir: Path, label: str, logo: str | None) -> Example | None:
    """The shipped example logo, by the line in the file that says VOORBEELD."""
    if not logo:
        return None
    try:
        text = (content_dir / logo).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None  # a PNG, or missing: the build reports a missing file itself
    for number, row in enumerate(text.splitlines(), start=1):
        if _MARK.search(row):
            return Example(
                f"{label}/{logo}",
                number,
                (),
                "het voorbeeldlogo: vervang dit bestand door het logo van uw organisatie, "
                f"of haal logo: weg uit {label}/site.yaml",
            )
    return None
