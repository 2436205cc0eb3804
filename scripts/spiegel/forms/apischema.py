"""The JSON Schema of one form's request body, as exact as the server's validation.

A body valid against it is accepted (201), so a client generated from the OpenAPI document
succeeds the first time: required fields, "at least one of" groups, lengths, the patterns of
e-mail, phone and code, the choices open today, and the characters that are refused. Each
field's own property comes from its type (``forms.fields``), its patterns from
``forms.patterns``, the same the server checks with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from spiegel.forms.model import ELAPSED, HONEYPOT, Form
from spiegel.forms.patterns import CODE
from spiegel.forms.patterns import ELAPSED as ELAPSED_PATTERN


def body_schema(
    form: Form, today: dt.date, codes_required: Collection[str], *, form_encoded: bool
) -> dict[str, Any]:
    """``form_encoded``: every value is a string (an HTML form); else JSON types are allowed."""
    props: dict[str, Any] = {}
    required: list[str] = []
    for f in form.fields:
        # a field of a "one of" group may be left empty too ("" is missing to the server); the
        # group's rule below asks for one that is filled in (issue 20)
        optional = not f.required
        p = f.kind.body_property(f, today, form_encoded=form_encoded, optional=optional)
        if optional and not form_encoded:  # JSON null is a field left empty, to the server
            p = {"title": f.label, "anyOf": [p, {"type": "null"}]}
        props[f.name] = p
        if f.required:
            required.append(f.name)
    props[HONEYPOT] = {
        "type": "string",
        "description": "leave empty: a spam trap. Filled in, the answer is the one a person gets"
        " (the errors, or 201/303) and nothing is stored",
    }
    props[ELAPSED] = {
        "type": "string",
        "pattern": f"^{ELAPSED_PATTERN}$",
        "description": "milliseconds spent filling in the form; faster than a person: answered"
        " as stored, nothing is stored",
    }
    schema: dict[str, Any] = {
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }
    rules: list[dict[str, Any]] = [
        {
            "anyOf": [
                {"required": [n], "properties": {n: {"type": "string", "minLength": 1}}}
                for n in group
            ]
        }
        for group in form.one_of
    ]
    if form.unique_field and codes_required:
        rules.append(
            {
                "if": {"properties": {"evaluatie": {"enum": sorted(codes_required)}}},
                "then": {
                    "required": [form.unique_field],
                    "properties": {form.unique_field: {"type": "string", "pattern": f"^{CODE}$"}},
                },
            }
        )
    role = form.role_field
    if role and form.capacity_field:  # each session takes only its own roles (issue 21)
        every = form.by_name[role].choices
        for c in form.open_choices(form.by_name[form.capacity_field], today):
            allowed = form.session_roles(c)
            if allowed != every:
                rules.append(
                    {
                        "if": {
                            "required": [form.capacity_field],
                            "properties": {form.capacity_field: {"const": c.value}},
                        },
                        "then": {"properties": {role: {"enum": [r.value for r in allowed]}}},
                    }
                )
    if rules:
        schema["allOf"] = rules
    return schema
