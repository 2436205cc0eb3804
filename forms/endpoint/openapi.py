"""OpenAPI 3.1 document generated from the form definitions."""

from __future__ import annotations

from typing import Any

from spiegel.formmodel import Form, json_schema


def openapi_document(forms: dict[str, Form]) -> dict[str, Any]:
    error = {"type": "object", "properties": {"error": {"type": "string"}}}
    errors = {
        "type": "object",
        "properties": {
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            }
        },
    }
    schemas = {f"form-{f.id}": json_schema(f) for f in forms.values()}
    one_of = [{"$ref": f"#/components/schemas/form-{fid}"} for fid in forms]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Spiegel form endpoint", "version": "1"},
        "paths": {
            "/api/forms/{form_id}": {
                "post": {
                    "summary": "Submit a form",
                    "parameters": [
                        {
                            "name": "form_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": list(forms)},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"oneOf": one_of}},
                            "application/x-www-form-urlencoded": {"schema": {"oneOf": one_of}},
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Stored (JSON requests)",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["id"],
                                        "properties": {
                                            "id": {"type": "string"},
                                            "status": {
                                                "type": "string",
                                                "enum": ["confirmed", "waitlist"],
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "303": {
                            "description": "Stored (HTML form posts); Location is the thank-you page"
                        },
                        "403": {
                            "description": "Origin not allowed",
                            "content": {"application/json": {"schema": error}},
                        },
                        "404": {
                            "description": "Unknown form",
                            "content": {"application/json": {"schema": error}},
                        },
                        "413": {
                            "description": "Body too large",
                            "content": {"application/json": {"schema": error}},
                        },
                        "415": {
                            "description": "Unsupported content type",
                            "content": {"application/json": {"schema": error}},
                        },
                        "422": {
                            "description": "Invalid input, every field error at once",
                            "content": {"application/json": {"schema": errors}},
                        },
                        "429": {
                            "description": "Rate limit",
                            "content": {"application/json": {"schema": error}},
                        },
                        "503": {"description": "Database unavailable; nothing stored"},
                    },
                }
            },
            "/api/forms": {
                "get": {"summary": "List forms", "responses": {"200": {"description": "Forms"}}}
            },
            "/api/health": {
                "get": {
                    "summary": "Health",
                    "responses": {
                        "200": {"description": "OK"},
                        "503": {"description": "Database down"},
                    },
                }
            },
        },
        "components": {"schemas": schemas},
    }
