"""Example values: the ``# VOORBEELD`` marker staff remove once a value is real.

The repository ships invented details (an organisation, phone numbers, sessions...) so the site
builds out of the box. Each such value carries the comment ``# VOORBEELD`` at the end of its line.
A comment on a line that opens a block (``contact:  # VOORBEELD`` or ``- id: x  # VOORBEELD``)
marks the whole block. ``find_examples`` returns the marked field paths with their lines; pages
built while any remain show a notice, and a production build refuses to publish.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any

import yaml

from spiegel.content.schema import Validator, describe

MARK = re.compile(r"#\s*VOORBEELD\b")


@dataclass(frozen=True, order=True)
class Example:
    file: str
    line: int
    path: tuple[Any, ...]
    words: str = dc_field(default="", compare=False)  # the field in words, for people

    @property
    def field(self) -> str:
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.words or self.field or '(het hele bestand)'}"


def _anchors(
    node: yaml.Node, path: tuple[Any, ...], out: list[tuple[int, tuple[Any, ...]]]
) -> None:
    """(line, path) for every field: the line of its key, or of its list item."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            sub = (*path, key_node.value)
            out.append((key_node.start_mark.line + 1, sub))
            _anchors(value_node, sub, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out.append((item.start_mark.line + 1, (*path, i)))
            _anchors(item, (*path, i), out)


def _scalars(node: yaml.Node, out: list[yaml.Node]) -> None:
    if isinstance(node, yaml.ScalarNode):
        out.append(node)
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            _scalars(k, out)
            _scalars(v, out)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _scalars(item, out)


# libyaml's C parser when PyYAML has it (as content/yamlio.py): the same nodes and marks, 7x faster.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def find_examples(text: str, label: str, schema: Validator | None = None) -> list[Example]:
    """Every field marked ``# VOORBEELD`` in one YAML text (a marker inside a value does not count).

    With the file's ``schema``, each field is also named in words ("de eerste bijeenkomst").
    """
    marks = [(n, m.start()) for n, row in enumerate(text.splitlines()) if (m := MARK.search(row))]
    if not marks:
        return []
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError:
        return []  # the content validator reports the broken file
    if root is None:
        return [Example(label, n + 1, ()) for n, _ in marks]
    scalars: list[yaml.Node] = []
    _scalars(root, scalars)

    def start(s: yaml.Node) -> tuple[int, int]:
        # A block scalar ("|" or ">") begins on the next line; a comment may follow the indicator.
        if getattr(s, "style", None) in ("|", ">"):
            return (s.start_mark.line + 1, 0)
        return (s.start_mark.line, s.start_mark.column)

    def inside_value(line: int, col: int) -> bool:
        return any(start(s) <= (line, col) < (s.end_mark.line, s.end_mark.column) for s in scalars)

    anchors: list[tuple[int, tuple[Any, ...]]] = []
    _anchors(root, (), anchors)
    found = []
    for line, col in marks:
        if inside_value(line, col):
            continue
        here = [p for ln, p in anchors if ln == line + 1]
        if here:
            path = min(here, key=len)
            found.append(Example(label, line + 1, path, describe(schema, path) if schema else ""))
        elif text.splitlines()[line].lstrip().startswith("#") and line == 0:
            found.append(Example(label, 1, ()))  # "# VOORBEELD" as the first line: the whole file
    return sorted(found)


def examples_in(path: Path, label: str, schema: Validator | None = None) -> list[Example]:
    try:
        return find_examples(path.read_text(encoding="utf-8"), label, schema)
    except (OSError, UnicodeDecodeError):
        return []  # the content validator reports the missing or unreadable file


def covers(examples: list[Example], path: tuple[Any, ...]) -> bool:
    """Is the field at ``path`` (or anything inside it, or a block around it) an example?"""
    return any(e.path[: len(path)] == path or path[: len(e.path)] == e.path for e in examples)
