"""The JSON Schema editors get, shaped so the YAML language server speaks Dutch.

VS Code, github.dev and GitLab's Web IDE underline mistakes with the messages of the YAML
language server (yaml-language-server 1.25; no Dutch locale). It shows a schema's own
``errorMessage`` for a wrong type, a pattern, an enum and, on an object, for unknown and
missing keys, but not for ``minimum``/``maximum``, ``minLength``/``maxLength`` or
``minItems``/``maxItems``, and it merges the type errors of ``anyOf`` branches into English.
So every rule is written in a form it does show (measured against the real server in
``tests/test_editor.py``):

- a range or a length becomes ``if: {minimum/maxItems...}`` with an ``else`` that can never
  match and carries the Dutch message; a text's length becomes part of its ``pattern``;
- an optional key allows ``null`` in its ``type`` (or ``enum``), never through ``anyOf``;
- an object's unknown keys, its type and its missing keys each get their own message: the
  type and the required keys sit in ``allOf`` parts. All missing keys of one object share one
  message, so the server shows it once (it drops repeats on the same spot): a line indented
  one space too far no longer gives a line per missing key.

The messages come from what each validator declares (``what``, ``hint``, the keys of an
``Obj``, the ``noun`` of a ``List``), so a new field gets Dutch messages without extra work.
"""

from __future__ import annotations

import copy
from typing import Any

from spiegel.content.schema import List, Obj, Opt, Str, Validator

JSON = dict[str, Any]
NEVER: JSON = {"enum": []}  # a schema no value matches: the carrier of an ``else`` message

__all__ = ["editor_schema"]


def editor_schema(v: Validator, key: str = "", noun: str = "") -> JSON:
    """The Dutch editor schema of one validator (``key``: its key in the file, for examples;
    ``noun``: what one item is called when ``v`` is the item of a list, "de bijeenkomst")."""
    if isinstance(v, Obj):
        return _object(v, key, noun)
    if isinstance(v, List):
        return _array(v, key)
    return _leaf(v, key)


def _message(v: Validator, key: str) -> str:
    hint = v.hint(key)
    return f"Hier hoort {v.what}." + (f" {hint}" if hint else "")


def _object(v: Obj, key: str, noun: str) -> JSON:
    props: JSON = {}
    for name, spec in v.fields.items():
        child = spec.validator if isinstance(spec, Opt) else spec
        sub = editor_schema(child, name, child.noun if isinstance(child, List) else "")
        doc = v.docs.get(name, "")
        extra = ""
        if isinstance(spec, Opt):
            sub = nullable(sub)
            extra = " Mag weg." if spec.default in (None, [], ()) else ""
            extra = extra or f" Mag weg; dan geldt {spec.default}."
        sub["description"] = (f"{doc} " if doc else "") + f"Hier hoort {child.what}.{extra}"
        props[name] = sub
    names = ", ".join(v.fields)
    required = [k for k, s in v.fields.items() if not isinstance(s, Opt)]
    out: JSON = {
        "properties": props,
        "additionalProperties": False,
        "errorMessage": (
            f"Deze naam hoort hier niet. Hier kan staan: {names}. Controleer de spelling, en of"
            " de regel even ver inspringt als de regels erboven die erbij horen."
        ),
        "allOf": [{"type": "object", "errorMessage": _message(v, key)}],
    }
    if required:
        where = (
            f"Bij elke {noun.partition(' ')[2]} horen"
            if noun
            else (f"Onder {key}: horen" if key else "In dit bestand horen")
        )
        optional = [k for k in v.fields if k not in required]
        out["allOf"].append(
            {
                "required": required,
                "errorMessage": (
                    f"Hier ontbreekt een regel. {where} deze regels: {', '.join(required)}"
                    + (f" (en als u wilt: {', '.join(optional)})" if optional else "")
                    + ". Kijk welke er niet staat, of welke niet even ver inspringt."
                ),
            }
        )
    if v.title:
        out["description"] = v.title
    return out


def _array(v: List, key: str) -> JSON:
    out: JSON = {
        "type": "array" if v.min_len else ["array", "null"],  # "sessions:" may be empty
        "items": editor_schema(v.item, key, v.noun),
        "errorMessage": _message(v, key),
    }
    count = (
        f"precies {v.min_len}"
        if v.min_len == v.max_len
        else (f"{v.min_len} tot en met {v.max_len}" if v.min_len else f"hoogstens {v.max_len}")
    )
    out["if"] = {"minItems": v.min_len, "maxItems": v.max_len}
    out["else"] = {
        **NEVER,
        "errorMessage": (
            f"In deze lijst horen {count} onderdelen, elk op een eigen regel die begint met '- '."
        ),
    }
    return out


_RANGE = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def _leaf(v: Validator, key: str) -> JSON:
    """A value: the validator's own JSON Schema, with every rule under one Dutch message."""
    out = copy.deepcopy(v.json_schema())
    message = _message(v, key)
    if isinstance(v, Str) and v.pattern is None:  # "title: Let op: ..." reads as a new key
        message += (
            " Staat er een dubbele punt met een spatie erna (': ') in de tekst? Zet de hele"
            " tekst dan tussen aanhalingstekens."
        )
    limits = {k: out.pop(k) for k in _RANGE if k in out}
    if limits:
        out["if"] = limits  # only numbers are held to it: other values pass the ``if``
        out["else"] = {**NEVER, "errorMessage": message}
    lo, hi = out.pop("minLength", None), out.pop("maxLength", None)
    if lo is not None or hi is not None:
        out["pattern"] = _with_length(out.get("pattern"), lo or 0, hi)
    out["errorMessage"] = message
    return out


def _with_length(pattern: str | None, lo: int, hi: int | None) -> str:
    """A pattern that also holds the length (of the text without spaces around it, as the
    check counts it)."""
    span = f"{{{lo},{'' if hi is None else hi}}}"
    if pattern:
        return f"^(?=[\\s\\S]{span}$){pattern.removeprefix('^')}"
    if lo == 0:
        return f"^[\\s\\S]{span}$"
    return f"^\\s*(?=\\S)[\\s\\S]{span}(?<=\\S)\\s*$"


def nullable(schema: JSON) -> JSON:
    """``schema`` that also accepts nothing (``key:`` with no value): an optional key."""
    out = copy.deepcopy(schema)
    target = out
    if "type" not in out and "enum" not in out:
        target = next((p for p in out.get("allOf", []) if "type" in p), out)
    if "type" in target:
        kinds = target["type"] if isinstance(target["type"], list) else [target["type"]]
        target["type"] = [*kinds, *([] if "null" in kinds else ["null"])]
    if "enum" in target:
        target["enum"] = [*target["enum"], None]
    if "type" not in target and "enum" not in target:
        return {"anyOf": [out, {"type": "null"}]}  # a shape this module does not know
    return out
