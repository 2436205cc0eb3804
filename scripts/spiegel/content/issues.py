"""One problem in a file staff edit (``Issue``), and the error that carries all of them at once.

Messages are Dutch and written for the people who edit ``content/`` and ``forms/``: what is
wrong, where (file:line and the item in words), and how to fix it, with an example.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Issue:
    file: str
    line: int
    path: str  # where in the file, in words ("de vijfde bijeenkomst, capacity")
    message: str  # what is wrong and how to fix it, in Dutch

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ContentError(Exception):
    """Raised once with every issue found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = sorted(set(issues))
        count = len(self.issues)
        head = (
            f"{count} {'fout' if count == 1 else 'fouten'} gevonden. "
            "De site is niet bijgewerkt; de vorige versie blijft staan. "
            "Verbeter de regel(s) hieronder en probeer het opnieuw:"
        )
        super().__init__("\n".join([head, *(f"  {i}" for i in self.issues)]))


ORDINALS = [
    "eerste",
    "tweede",
    "derde",
    "vierde",
    "vijfde",
    "zesde",
    "zevende",
    "achtste",
    "negende",
    "tiende",
    "elfde",
    "twaalfde",
    "dertiende",
    "veertiende",
    "vijftiende",
    "zestiende",
    "zeventiende",
    "achttiende",
    "negentiende",
    "twintigste",
]


def ordinal(index: int) -> str:
    """0 -> "eerste": people count from one."""
    return ORDINALS[index] if 0 <= index < len(ORDINALS) else f"{index + 1}e"
