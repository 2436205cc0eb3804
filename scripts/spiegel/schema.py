"""Declarative validation of YAML data with file:line error messages.

A schema is a tree of small validator objects (``Obj``, ``List``, ``Str``, ``Int``...). Validation
walks the data, converts values, and collects every problem as an ``Issue`` naming the file, the
line, the field path, what was expected and what was found. Nothing raises half-way: the caller
decides to fail once, with the whole list.

Only PyYAML is imported here: the endpoint uses this module too and must start fast.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Lines = dict[tuple[Any, ...], int]


@dataclass(frozen=True, order=True)
class Issue:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ContentError(Exception):
    """Raised once with every issue found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = sorted(set(issues))
        count = len(self.issues)
        head = f"{count} content error{'s' if count != 1 else ''}:"
        super().__init__("\n".join([head, *(f"  {i}" for i in self.issues)]))


# --------------------------------------------------------------------------- YAML with lines


# libyaml's C parser when PyYAML was built with it (PyPI wheels are): ~5x faster, which matters
# for the endpoint's cold start. Python's resolver and constructor are used either way.
_Parser: Any
try:
    from yaml import cyaml

    _Parser = cyaml.CParser  # type: ignore[attr-defined]
except (ImportError, AttributeError):  # PyYAML without libyaml
    _Parser = yaml.SafeLoader


class _Loader(_Parser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)


# "10:30" must stay a string: YAML 1.1 reads it as the sexagesimal number 630.
_INT = "tag:yaml.org,2002:int"
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != _INT]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _INT,
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)


def _walk(loader: Any, node: yaml.Node, path: tuple[Any, ...], lines: Lines, name: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ContentError(
                    [
                        Issue(
                            name,
                            key_node.start_mark.line + 1,
                            _fmt(path),
                            "'<<' merges are not allowed",
                        )
                    ]
                )
            key = loader.construct_object(key_node, deep=True)
            if key in out:
                raise ContentError(
                    [Issue(name, key_node.start_mark.line + 1, _fmt((*path, key)), "duplicate key")]
                )
            out[key] = _walk(loader, value_node, (*path, key), lines, name)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(loader, n, (*path, i), lines, name) for i, n in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def parse_yaml(text: str, name: str) -> tuple[Any, Lines]:
    """Parse one YAML document; return the data and a map from field path to line number."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        lines: Lines = {}
        data = None if node is None else _walk(loader, node, (), lines, name)
        return data, lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problem = exc.problem or "invalid YAML"
        raise ContentError([Issue(name, line, "", f"invalid YAML: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise ContentError([Issue(name, 0, "", f"invalid YAML: {exc}")]) from None
    finally:
        loader.dispose()


def load_yaml(path: Path, name: str | None = None) -> tuple[Any, Lines]:
    label = name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError([Issue(label, 0, "", "file is missing")]) from None
    except UnicodeDecodeError as exc:
        raise ContentError([Issue(label, 0, "", f"not UTF-8 text ({exc.reason})")]) from None
    return parse_yaml(text, label)


# --------------------------------------------------------------------------- validation


def _fmt(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def show(value: Any) -> str:
    """How a found value is quoted in a message: strings in quotes, others as YAML shows them."""
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return '"' + text.replace("\n", " ") + '"'
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


@dataclass
class Context:
    file: str
    lines: Lines = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    def line(self, path: tuple[Any, ...]) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 0)

    def error(self, path: tuple[Any, ...], message: str) -> None:
        self.issues.append(Issue(self.file, self.line(path), _fmt(path), message))

    def expected(self, path: tuple[Any, ...], what: str, got: Any) -> None:
        self.error(path, f"expected {what}, got {show(got)}")


INVALID: Any = object()


class Validator:
    what = "a value"

    def __call__(self, value: Any, path: tuple[Any, ...], ctx: Context) -> Any:
        raise NotImplementedError


class Str(Validator):
    def __init__(
        self,
        min_len: int = 1,
        max_len: int = 2000,
        pattern: str | None = None,
        what: str | None = None,
        strip: bool = True,
    ) -> None:
        self.min_len, self.max_len, self.strip = min_len, max_len, strip
        self.pattern = re.compile(pattern) if pattern else None
        self.what = what or (
            f"text of {min_len} to {max_len} characters"
            if min_len
            else f"text up to {max_len} characters"
        )

    def __call__(self, value: Any, path: tuple[Any, ...], ctx: Context) -> Any:
        if not isinstance(value, str):
            ctx.expected(path, self.what, value)
            return INVALID
        text = value.strip() if self.strip else value
        if not self.min_len <= len(text) <= self.max_len or (
            self.pattern and not self.pattern.fullmatch(text)
        ):
            ctx.expected(path, self.what, value)
            return INVALID
        return text


def Slug(what: str = "an id of lower-case letters, digits and dashes") -> Str:  # noqa: N802
    return Str(1, 60, r"[a-z0-9]+(-[a-z0-9]+)*", what)


def Color() -> Str:  # noqa: N802
    return Str(7, 7, r"#[0-9a-fA-F]{6}", 'a colour like "#1d4f91"')


def Email() -> Str:  # noqa: N802
    return Str(3, 254, r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", "an e-mail address like naam@voorbeeld.nl")


def Time() -> Str:  # noqa: N802
    return Str(4, 5, r"([01]?\d|2[0-3]):[0-5]\d", 'a time like "14:30"')


class Int(Validator):
    def __init__(self, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi
        self.what = f"a whole number from {lo} to {hi}"

    def __call__(self, value: Any, path: tuple[Any, ...], ctx: Context) -> Any:
        if isinstance(value, bool) or not isinstance(value, int) or not self.lo <= value <= self.hi:
            ctx.expected(path, self.what, value)
            return INVALID
        return value


class Bool(Validator):
    what = "true or false"

    def __call__(self, value: Any, path: tuple[Any, ...], ctx: Context) -> Any:
        if not isinstance(value, bool):
            ctx.expected(path, self.what, value)
            return INVALID
        return value


class Date(Validator):
    what = "a date like 2026-03-14"

    def __call__(self, value: Any, path: tuple[Any, ...], ctx: Context) -> Any:
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date | str):
            ctx.expected(path, self.what, value)
            return INVALID
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                ctx.expected(path, self.what, value)
                return INVALID
        return value


class Enum(Validator):
    def __init__(self, *choices: str) -> None:
        self.choices = choices
        self.what = "one of " + ", ".join(choices)

    def __call__(self, value: Any, path: tuple[Any, ...], ctx: Context) -> Any:
        if value not in self.choices:
            ctx.expected(path, self.what, value)
            return INVALID
        return value


class List(Validator):
    def __init__(self, item: Validator, min_len: int = 0, max_len: int = 1000) -> None:
        self.item, self.min_len, self.max_len = item, min_len, max_len
        self.what = f"a list of {min_len} to {max_len} items"

    def __call__(self, value: Any, path: tuple[Any, ...], ctx: Context) -> Any:
        if not isinstance(value, list) or not self.min_len <= len(value) <= self.max_len:
            ctx.expected(path, self.what, value)
            return INVALID
        return [self.item(v, (*path, i), ctx) for i, v in enumerate(value)]


@dataclass(frozen=True)
class Opt:
    """An optional key of an ``Obj``, with the value used when it is absent."""

    validator: Validator
    default: Any = None


class Obj(Validator):
    """A mapping with known keys. Unknown keys are errors: a typo must not drop text silently."""

    def __init__(
        self,
        fields: Mapping[str, Validator | Opt],
        check: Callable[[dict[str, Any], tuple[Any, ...], Context], None] | None = None,
    ) -> None:
        self.fields = dict(fields)
        self.check = check
        self.what = "a mapping with " + ", ".join(self.fields)

    def __call__(self, value: Any, path: tuple[Any, ...], ctx: Context) -> Any:
        if not isinstance(value, dict):
            ctx.expected(path, "a mapping with keys " + ", ".join(self.fields), value)
            return INVALID
        out: dict[str, Any] = {}
        for key in value:
            if key not in self.fields:
                hint = difflib.get_close_matches(str(key), self.fields, n=1)
                known = (
                    f"did you mean '{hint[0]}'?"
                    if hint
                    else "known keys: " + ", ".join(self.fields)
                )
                ctx.error((*path, key), f"unknown key; {known}")
        for key, spec in self.fields.items():
            if key in value and not (isinstance(spec, Opt) and value[key] is None):
                validator = spec.validator if isinstance(spec, Opt) else spec
                out[key] = validator(value[key], (*path, key), ctx)
            elif isinstance(spec, Opt):
                out[key] = spec.default
            else:
                ctx.error(path, f"missing required key '{key}' ({spec.what})")
                out[key] = INVALID
        if self.check and not any(v is INVALID for v in out.values()):
            self.check(out, path, ctx)
        return out


def validate(schema: Validator, data: Any, name: str, lines: Lines) -> tuple[Any, list[Issue]]:
    ctx = Context(name, lines)
    result = schema(data, (), ctx)
    return result, ctx.issues


def unique(items: list[dict[str, Any]], key: str, path: tuple[Any, ...], ctx: Context) -> None:
    seen: dict[Any, int] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or item.get(key) is INVALID:
            continue
        if item.get(key) in seen:
            ctx.error(
                (*path, i, key), f"duplicate id {show(item[key])}, also used at [{seen[item[key]]}]"
            )
        else:
            seen[item[key]] = i
