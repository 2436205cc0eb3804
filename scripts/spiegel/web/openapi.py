"""OpenAPI 3.1 document generated from the form definitions: one operation per form, and the
session availability (/api/sessions) and the cancel link (/api/afmelden/{token}).

Each form has its own path and its exact body schema (``forms.apischema``), for JSON and for HTML
form posts; every status the endpoint can answer is listed with both content types it can take
(JSON for programs, a Dutch HTML page for browsers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from spiegel.db.base import CONFIRMED, RECEIVED, WAITLIST
from spiegel.forms.apischema import body_schema
from spiegel.forms.model import Form

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
ERRORS = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        }
    },
}
HTML = {"text/html": {"schema": {"type": "string"}}}
RETRY = {"Retry-After": {"description": "seconds", "schema": {"type": "string"}}}


def _reply(description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}, **HTML},
        **extra,
    }


def _errors() -> dict[str, Any]:
    return {
        "400": _reply("Conflicting Content-Length / Transfer-Encoding", ERROR),
        "403": _reply("The page's origin may not post here", ERROR),
        "404": _reply("Unknown form", ERROR),
        "405": _reply("Method not allowed", ERROR),
        "408": _reply("The body did not arrive in time", ERROR),
        "413": _reply("Body too large", ERROR),
        "415": _reply("Unsupported content type", ERROR),
        "422": _reply("Invalid input, every field error at once (in Dutch)", ERRORS),
        "429": _reply("Too many requests", ERROR, headers=RETRY),
        "503": _reply("Database unavailable; nothing stored", ERROR, headers=RETRY),
    }


def _operation(form: Form, today: dt.date, codes_required: Collection[str]) -> dict[str, Any]:
    created: dict[str, Any] = {"id": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}
    if form.capacity_field:
        created["status"] = {
            "type": "string",
            "enum": [CONFIRMED, WAITLIST, RECEIVED],
            "description": "a seat, the waiting list, or no seat counted (e.g. a partner, who"
            " comes in addition to the patients a session has seats for)",
        }
    return {
        "operationId": f"submit-{form.id}",
        "summary": form.title,
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{form.id}"}},
                "application/x-www-form-urlencoded": {
                    "schema": {"$ref": f"#/components/schemas/{form.id}-form"}
                },
            },
        },
        "responses": {
            "201": {
                "description": "Stored (JSON requests)",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": list(created),
                            "properties": created,
                            "additionalProperties": False,
                        }
                    }
                },
            },
            "303": {
                "description": "Stored (HTML form posts); Location is the thank-you page",
                "headers": {"Location": {"schema": {"type": "string"}}},
            },
            **_errors(),
        },
    }


SESSION = {
    "type": "object",
    "required": ["id", "form", "date", "capacity", "available", "waitlist", "full", "cancelled"],
    "properties": {
        "id": {"type": "string", "description": "the session's id in content/sessions.yaml"},
        "form": {"type": "string"},
        "date": {"type": "string", "format": "date", "description": "today or later"},
        "capacity": {"type": ["integer", "null"], "minimum": 0},
        "available": {"type": ["integer", "null"], "minimum": 0, "description": "free seats"},
        "waitlist": {"type": "integer", "minimum": 0},
        "full": {"type": "boolean"},
        "cancelled": {
            "type": "boolean",
            "description": "called off (status: geannuleerd); listed until its date, no seats",
        },
    },
    "additionalProperties": False,
}


def _sessions() -> dict[str, Any]:
    body = {
        "type": "object",
        "required": ["sessions"],
        "properties": {"sessions": {"type": "array", "items": SESSION}},
        "additionalProperties": False,
    }
    return {
        "operationId": "sessions",
        "summary": "Seats per session to come: free, taken, waiting list (counts only, no names)",
        "responses": {
            "200": {
                "description": "Every session of every form with seats",
                "content": {"application/json": {"schema": body}},
                "headers": {"Cache-Control": {"schema": {"type": "string"}}},
            },
            "503": {
                "description": "Database unavailable",
                "content": {"application/json": {"schema": ERROR}},
                "headers": RETRY,
            },
        },
    }


def _cancel() -> dict[str, Any]:
    """The personal cancel link from the e-mails. The token is the sign-up's id and a signature
    (HMAC): it cannot be guessed, so any other token finds nothing (404)."""
    token = {
        "name": "token",
        "in": "path",
        "required": True,
        "description": "<sign-up id>.<signature>, from the e-mail",
        "schema": {"type": "string", "pattern": "^[0-9a-f]{32}\\.[A-Za-z0-9_-]{24}$"},
    }
    page = {"text/html": {"schema": {"type": "string"}}}
    # a token Starlette cannot route (e.g. with a slash) gets the framework's JSON 404
    not_found = {
        "description": "No sign-up with this token (a page in Dutch; JSON if the path is unroutable)",
        "content": {**page, "application/json": {"schema": ERROR}},
    }
    unavailable = {"description": "Database unavailable; nothing changed", "content": page}
    return {
        "parameters": [token],
        "get": {
            "operationId": "cancel-page",
            "summary": "The question 'Wilt u zich afmelden?' with a button; changes nothing",
            "responses": {
                "200": {"description": "The question, or 'U bent al afgemeld'", "content": page},
                "404": not_found,
                "503": {**unavailable, "headers": RETRY},
            },
        },
        "post": {
            "operationId": "cancel",
            "summary": "Cancel the sign-up; the seat goes to the first on the waiting list",
            "responses": {
                "200": {"description": "Cancelled (or cancelled before)", "content": page},
                "403": {"description": "Posted from another site", "content": page},
                "404": not_found,
                "503": {**unavailable, "headers": RETRY},
            },
        },
    }


def openapi_document(
    forms: dict[str, Form], today: dt.date, codes_required: Collection[str] = ()
) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    for form in forms.values():
        schemas[form.id] = body_schema(form, today, codes_required, form_encoded=False)
        schemas[f"{form.id}-form"] = body_schema(form, today, codes_required, form_encoded=True)
        paths[f"/api/forms/{form.id}"] = {"post": _operation(form, today, codes_required)}
    plain = {"application/json": {"schema": {"type": "object"}}}
    paths["/api/forms"] = {
        "get": {
            "operationId": "list-forms",
            "summary": "The forms, their pages and field names",
            "responses": {"200": {"description": "Forms", "content": plain}},
        }
    }
    paths["/api/health"] = {
        "get": {
            "operationId": "health",
            "summary": "Can the database take writes?",
            "responses": {
                "200": {"description": "OK", "content": plain},
                "503": {
                    "description": "Database cannot take writes",
                    "content": plain,
                    "headers": RETRY,
                },
            },
        }
    }
    paths["/api/sessions"] = {"get": _sessions()}
    paths["/api/afmelden/{token}"] = _cancel()
    return {
        "openapi": "3.1.0",
        "info": {"title": "Spiegel form endpoint", "version": "2"},
        "paths": paths,
        "components": {"schemas": schemas},
    }
