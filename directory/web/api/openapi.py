"""The OpenAPI 3.1 document of the API, generated from the code: each view declares its
parameters and answers as pydantic models with `@operation`, and `build_spec` walks the app's
URL map, so a route without a declaration is missing from the document (and a test says so).
apispec assembles the document; pydantic's `model_json_schema` gives the schemas."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from apispec import APISpec
from flask import Flask
from pydantic import BaseModel

from directory.web.api import schemas

API_VERSION = "1.0.0"
DATA_LICENSE = {"name": "ODbL-1.0", "url": "https://opendatacommons.org/licenses/odbl/1-0/"}
PREFIX = "/api/v1"
_REF = "#/components/schemas/{model}"
_CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


@dataclass
class Operation:
    summary: str
    description: str = ""
    query: type[BaseModel] | None = None
    responses: dict[int, type[BaseModel] | str] = field(default_factory=dict)
    path_params: dict[str, str] = field(default_factory=dict)  # name → description


def operation(summary: str, **details):
    """Declare a view's place in the OpenAPI document (responses: status → model, or a media
    type for a non-JSON answer)."""

    def mark(view):
        view.openapi = Operation(summary, **details)
        return view

    return mark


def _add_schema(spec: APISpec, model: type[BaseModel]) -> dict:
    schema = model.model_json_schema(ref_template=_REF)
    for name, definition in schema.pop("$defs", {}).items():
        if name not in spec.components.schemas:
            spec.components.schema(name, definition)
    if model.__name__ not in spec.components.schemas:
        spec.components.schema(model.__name__, schema)
    return {"$ref": _REF.format(model=model.__name__)}


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema(ref_template=_REF)
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        prop.pop("default", None)
        parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            parameter["description"] = description
        if prop.get("type") == "array":
            parameter.update(style="form", explode=True)
        parameters.append(parameter)
    return parameters


def api_rules(app: Flask):
    """The /api/v1 routes: (OpenAPI path below the server's /api/v1, rule, HTTP methods)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            methods = sorted(m for m in rule.methods if m not in ("HEAD", "OPTIONS"))
            path = rule.rule.removeprefix(PREFIX)
            yield _CONVERTER.sub(r"{\1}", path), rule, methods


def build_spec(app: Flask, server_url: str) -> dict:
    spec = APISpec(
        title="Portée API",
        version=API_VERSION,
        openapi_version="3.1.0",
        info={
            "description": (
                "The directory of alternative hosts as JSON: search offers, read an"
                " organization, match several needs. Read endpoints are open to every origin"
                " (CORS), send an ETag and Cache-Control, and answer 304 to If-None-Match."
                " Every error has the shape of the Error schema."
            ),
            "license": {"name": DATA_LICENSE["name"], "url": DATA_LICENSE["url"]},
        },
        servers=[{"url": server_url}],
    )
    error_ref = _add_schema(spec, schemas.Error)
    for path, rule, methods in api_rules(app):
        declared: Operation | None = getattr(app.view_functions[rule.endpoint], "openapi", None)
        if declared is None:
            continue
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "string"},
                "description": declared.path_params.get(name, name),
            }
            for name in rule.arguments
        ]
        if declared.query is not None:
            parameters += _query_parameters(declared.query)
        responses = {}
        for status, answer in declared.responses.items():
            if isinstance(answer, str):
                content = {answer: {"schema": {"type": "object"}}}
                description = "The answer"
            else:
                content = {"application/json": {"schema": _add_schema(spec, answer)}}
                description = (answer.__doc__ or answer.__name__).strip().splitlines()[0]
            responses[str(status)] = {"description": description, "content": content}
        for status in (404, 503):
            responses.setdefault(
                str(status),
                {
                    "description": "Not found" if status == 404 else "Search index unavailable",
                    "content": {"application/json": {"schema": error_ref}},
                },
            )
        if "GET" in methods:
            responses["304"] = {"description": "Not modified (the ETag of If-None-Match)"}
        operations = {
            method.lower(): {
                "operationId": rule.endpoint.split(".", 1)[1],
                "summary": declared.summary,
                "description": declared.description,
                "parameters": parameters,
                "responses": responses,
            }
            for method in methods
        }
        spec.path(path=path, operations=operations)
    return spec.to_dict()
