"""Three corrections to the OpenAPI document FastAPI writes, so that it says what the server enforces:

- A header is absent or a string, never JSON null: an optional header's `anyOf [string, null]` becomes the
  string schema, with the pattern FastAPI left beside the `anyOf` moved into it (a client that sent the text
  `null` as an If-Match got 412, though the document allowed it).
- A map keyed by a constrained string (`dict[Identifier, ...]`) comes out of pydantic as `patternProperties`
  without `additionalProperties: false`, which allows any other key with any value; the server refuses such
  keys, so the key pattern moves into `propertyNames` and the value schema into `additionalProperties`.
- A field of a form (multipart, as `POST /imports` takes) is absent or text, never JSON null, for the same
  reason as a header: a form has no null, and the text `null` is not a date.
"""

from __future__ import annotations

from typing import Any


def tidy(document: dict[str, Any]) -> None:
    """Correct `document` in place (see the module's docstring)."""
    for path in document.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header":
                    parameter["schema"] = _no_null(parameter["schema"])
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                if media in FORMS:
                    form = _resolved(document, content.get("schema", {}))
                    for name, schema in form.get("properties", {}).items():
                        form["properties"][name] = _no_null(schema)
    _keyed_maps(document)


FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


def _resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a local `$ref` (#/components/schemas/Name) points at, else the schema itself."""
    ref = schema.get("$ref", "")
    if not ref.startswith("#/components/schemas/"):
        return schema
    found: dict[str, Any] = document.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[1], schema)
    return found


def _no_null(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` without its null alternative; the keywords beside the `anyOf` (pattern, title) kept."""
    branches = [b for b in schema.get("anyOf", []) if b != {"type": "null"}]
    if "anyOf" not in schema or len(branches) != 1:
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**branches[0], **rest}


def _keyed_maps(node: Any) -> None:
    if isinstance(node, dict):
        keyed = node.get("patternProperties")
        if isinstance(keyed, dict) and len(keyed) == 1 and "additionalProperties" not in node:
            ((pattern, values),) = keyed.items()
            node.pop("patternProperties")
            node["propertyNames"] = {**node.get("propertyNames", {}), "pattern": pattern}
            node["additionalProperties"] = values
        for value in node.values():
            _keyed_maps(value)
    elif isinstance(node, list):
        for value in node:
            _keyed_maps(value)
