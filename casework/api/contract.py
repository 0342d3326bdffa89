"""The API's contract, declared next to each endpoint and gathered into OpenAPI 3.1.

Each view under ``/api/v1`` carries a `documented(...)` declaration: what it does, its
query parameters, the pydantic model of its JSON body, the model (or JSON Schema) of its
answer and the error statuses it may give. `openapi_document` walks the app's registered
``/api/v1`` routes and builds the document from those declarations alone; a route without
one is left out, and tests/api/test_openapi.py fails on it. Nothing here is written by hand
twice: the body model that documents a write is the one that validates it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask
from pydantic import BaseModel

F = TypeVar("F", bound=Callable[..., Any])
Schema = type[BaseModel] | Mapping[str, Any]

API_PREFIX = "/api/v1/"
# Row ids are 32-bit on PostgreSQL: a larger id in a path finds nothing, never a crash.
MAX_ID = 2**31 - 1

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Per-field problems of an invalid request (422).",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": ["string", "null"]},
                    "message": {"type": "string"},
                },
                "required": ["field", "message"],
            },
        },
    },
    "required": ["type", "title", "status"],
}

ERROR_SENTENCES = {
    400: "Bad request: a query parameter, cursor or body that is not understood.",
    401: "No token, or a token that is wrong, revoked or expired.",
    403: "The token's user may not do this (or the token lacks the write scope).",
    404: "Nothing has that reference or id.",
    409: "Stale: the case changed since the version sent, or it is in a state where this "
    "does not apply. Read it again and decide anew.",
    422: "Invalid: the problems are in `errors`, one per field.",
}


@dataclass(frozen=True)
class Param:
    """A query parameter."""

    name: str
    schema: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class Contract:
    summary: str
    tag: str
    description: str = ""
    body: type[BaseModel] | None = None
    response: Schema | None = None
    status: int = 200
    errors: tuple[int, ...] = (401, 403, 404)
    query: tuple[Param, ...] = ()
    path_enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    needs_write: bool = False


def documented(
    summary: str,
    *,
    tag: str,
    description: str = "",
    body: type[BaseModel] | None = None,
    response: Schema | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (401, 403, 404),
    query: tuple[Param, ...] = (),
    path_enums: dict[str, tuple[str, ...]] | None = None,
    needs_write: bool = False,
) -> Callable[[F], F]:
    """Declare a view's contract (put it right under the route decorator)."""
    contract = Contract(
        summary=summary,
        tag=tag,
        description=description,
        body=body,
        response=response,
        status=status,
        errors=errors,
        query=query,
        path_enums=path_enums or {},
        needs_write=needs_write,
    )

    def attach(view: F) -> F:
        view.api_contract = contract  # type: ignore[attr-defined]
        return view

    return attach


def contract_of(view: Callable[..., Any]) -> Contract | None:
    return getattr(view, "api_contract", None)


def api_routes(app: Flask):
    """(rule, method, view) for every registered route under /api/v1."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if not rule.rule.startswith(API_PREFIX):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method, app.view_functions[rule.endpoint]


_ARG = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def _path(rule_text: str, enums: Mapping[str, tuple[str, ...]]) -> tuple[str, list[dict]]:
    """Flask's ``/x/<int:id>`` as OpenAPI's ``/x/{id}``, with its path parameters."""
    params = []
    for match in _ARG.finditer(rule_text):
        name, converter = match["name"], match["converter"]
        schema: dict[str, Any]
        if converter == "int":
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        elif name in enums:
            schema = {"type": "string", "enum": list(enums[name])}
        else:
            schema = {"type": "string", "minLength": 1, "maxLength": 40, "pattern": "^[^/]+$"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return _ARG.sub(lambda m: "{" + m["name"] + "}", rule_text), params


class _Components:
    """Pydantic models as ``#/components/schemas/<Name>``, their nested models beside them."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}

    def ref(self, schema: Schema, mode: str) -> dict[str, Any]:
        if isinstance(schema, Mapping):
            return dict(schema)
        generated = schema.model_json_schema(
            ref_template="#/components/schemas/{model}",
            mode=mode,  # type: ignore[arg-type]
        )
        for name, nested in generated.pop("$defs", {}).items():
            self.schemas.setdefault(name, nested)
        self.schemas.setdefault(schema.__name__, generated)
        return {"$ref": f"#/components/schemas/{schema.__name__}"}


def _problem(status: int) -> dict[str, Any]:
    return {
        "description": ERROR_SENTENCES.get(status, "Error."),
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


def _query(param: Param) -> dict[str, Any]:
    query = {"name": param.name, "in": "query", "required": False, "schema": param.schema}
    if param.description:
        query["description"] = param.description
    return query


def openapi_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every documented /api/v1 route, as registered now."""
    components = _Components()
    paths: dict[str, dict[str, Any]] = {}
    for rule, method, view in api_routes(app):
        contract = contract_of(view)
        if contract is None:
            continue
        path, params = _path(rule.rule, contract.path_enums)
        operation: dict[str, Any] = {
            "operationId": f"{rule.endpoint.replace('.', '_')}_{method.lower()}",
            "summary": contract.summary,
            "tags": [contract.tag],
            "parameters": params + [_query(p) for p in contract.query],
        }
        if contract.description:
            operation["description"] = contract.description
        if contract.needs_write:
            operation["security"] = [{"bearer": ["write"]}]
        if contract.body is not None:
            body = components.ref(contract.body, "validation")
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": body}},
            }
        ok: dict[str, Any] = {"description": "Done." if method == "POST" else "OK."}
        if contract.response is not None:
            ok["content"] = {
                "application/json": {"schema": components.ref(contract.response, "serialization")}
            }
        responses: dict[str, Any] = {str(contract.status): ok}
        if method == "POST" and contract.status == 201:
            responses["200"] = ok  # the same write again (a vote changed)
        for status in sorted(set(contract.errors) | {401}):
            responses[str(status)] = _problem(status)
        operation["responses"] = responses
        paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Casework API",
            "version": "1",
            "description": (
                "Cases, committees and votes, with the permissions of the web pages. Send "
                "'Authorization: Bearer <token>' (casework tokens create EMAIL [--scope "
                "read|write]); POSTs need a write token, and each write names the case "
                "`version` it was based on."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": components.schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token; POSTs need one with the write scope.",
                }
            },
        },
    }
