"""The JSON Schema of one form's request body, as exact as the server's validation.

A body valid against it is accepted (201), so a client generated from the OpenAPI document
succeeds the first time: required fields, "at least one of" groups, lengths, the patterns of
e-mail, phone and code, the choices open today, and the characters that are refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from spiegel.forms.model import ELAPSED, HONEYPOT, TRUE_WORDS, Form

# everything validate_submission refuses in text (see model.INVISIBLE and _bad_char), as an
# ECMA-262 class body: control characters, invisible and bidi-control characters, non-characters
REFUSED = (
    r"\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b\u2028\u2029\u202a-\u202e\u2060"
    r"\u2066-\u2069\ufeff\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff\ue000-\uf8ff"
)
EMAIL = r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
PHONE = r"^(\+31|0031|0)[\s\-().]*[1-9]([\s\-().]*[0-9]){8}$"  # 06 12345678, 071 123 45 67
CODE = r"^[A-Za-z0-9-]{4,40}$"


def text_pattern(one_line: bool) -> str:
    refused = REFUSED + (r"\n\r" if one_line else "")
    # at least one character that is not white space: blank counts as missing
    return f"^[^{refused}]*[^\\s{refused}][^{refused}]*$"


def body_schema(
    form: Form, today: dt.date, codes_required: Collection[str], *, form_encoded: bool
) -> dict[str, Any]:
    """``form_encoded``: every value is a string (an HTML form); else JSON types are allowed."""
    props: dict[str, Any] = {}
    required: list[str] = []
    grouped = {n for group in form.one_of for n in group}
    for f in form.fields:
        p: dict[str, Any] = {"title": f.label}
        if f.hint:
            p["description"] = f.hint
        if f.type == "consent":
            yes = sorted(TRUE_WORDS)
            p.update(type="string", enum=yes if f.required else [*yes, "", "nee", "false", "0"])
            if not form_encoded:
                p = {"title": f.label, "oneOf": [{"type": "boolean", "const": True}, p]}
                if not f.required:
                    p["oneOf"][0] = {"type": "boolean"}
        elif f.type == "scale":
            answers = ["1", "2", "3", "4", "5", "nvt"] + ([] if f.required else [""])
            p.update(type="string", enum=answers)
            if not form_encoded:
                p = {
                    "title": f.label,
                    "oneOf": [{"type": "integer", "minimum": 1, "maximum": 5}, p],
                }
        elif f.type == "choice":
            p.update(type="string", enum=[c.value for c in form.open_choices(f, today)])
        else:
            p["type"] = "string"
            if f.max_length:
                p["maxLength"] = f.max_length
            p["pattern"] = {"email": EMAIL, "phone": PHONE, "code": CODE}.get(
                f.type, text_pattern(f.type != "textarea")
            )
            if not f.required and f.name not in grouped:
                p = {"title": f.label, "anyOf": [p, {"type": "string", "maxLength": 0}]}
        props[f.name] = p
        if f.required:
            required.append(f.name)
    props[HONEYPOT] = {"type": "string", "maxLength": 0, "description": "leave empty (spam trap)"}
    props[ELAPSED] = {"type": "string", "pattern": "^[0-9]{0,9}$", "description": "milliseconds"}
    schema: dict[str, Any] = {
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }
    rules: list[dict[str, Any]] = [
        {"anyOf": [{"required": [n]} for n in group]} for group in form.one_of
    ]
    if form.unique_field and codes_required:
        rules.append(
            {
                "if": {"properties": {"evaluatie": {"enum": sorted(codes_required)}}},
                "then": {
                    "required": [form.unique_field],
                    "properties": {form.unique_field: {"type": "string", "pattern": CODE}},
                },
            }
        )
    if rules:
        schema["allOf"] = rules
    return schema
