"""The API's OpenAPI 3.1 document (``/api/v1/openapi.json``), generated from the routes'
declarations (casework/api/contract.py), and the same document as a readable page
(``/api/docs``): server-rendered HTML, no script, nothing loaded from elsewhere. Both need a
login (a session, or a token), like the API itself."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, render_template

from casework.api.contract import documented, openapi_document
from casework.api.views import bp

docs_bp = Blueprint("api_docs", __name__, url_prefix="/api")
TAG_ORDER = ("Cases", "Case writes", "Committees", "Contract")  # others after these


@bp.get("/openapi.json")
@documented(
    "This document: the API's OpenAPI 3.1 contract",
    tag="Contract",
    response={"type": "object", "required": ["openapi", "paths"]},
    errors=(401,),
)
def openapi_json():
    return openapi_document(current_app)


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        return document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def _type_of(schema: dict[str, Any]) -> str:
    """A short, readable type: ``string``, ``integer (1-3)``, ``one of: a, b``..."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if "enum" in schema:
        return "one of: " + ", ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return f"exactly {schema['const']}"
    if "anyOf" in schema:
        return " or ".join(_type_of(s) for s in schema["anyOf"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if kind == "array":
        return f"list of {_type_of(schema.get('items', {}))}"
    if schema.get("format"):
        kind = f"{kind} ({schema['format']})"
    if "maxLength" in schema:
        kind = f"{kind}, at most {schema['maxLength']} characters"
    if "pattern" in schema:
        kind = f"{kind} matching {schema['pattern']}"
    return kind


def _fields(document: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, str]]:
    schema = _resolve(document, schema)
    required = set(schema.get("required", ()))
    return [
        {
            "name": name,
            "type": _type_of(prop),
            "required": "yes" if name in required else "",
            "description": prop.get("description", ""),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


@docs_bp.get("/docs")
def page():
    document = openapi_document(current_app)
    operations = []
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ok = next(s for s in op["responses"] if s.startswith("2"))
            answer = op["responses"][ok].get("content", {}).get("application/json", {})
            operations.append(
                {
                    "id": op["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "op": op,
                    "params": op.get("parameters", []),
                    "body": _fields(document, body["schema"]) if body else None,
                    "answer": _fields(document, answer["schema"]) if answer else None,
                    "answer_name": _type_of(answer["schema"]) if answer else "",
                    "statuses": [(s, r["description"]) for s, r in op["responses"].items()],
                    "param_type": _type_of,
                }
            )
    tags: dict[str, list] = {tag: [] for tag in TAG_ORDER}
    for operation in operations:
        tags.setdefault(operation["op"]["tags"][0], []).append(operation)
    return render_template(
        "api/docs.html",
        document=document,
        tags={tag: ops for tag, ops in tags.items() if ops},
        raw=json.dumps(document, indent=2, ensure_ascii=False),
    )
