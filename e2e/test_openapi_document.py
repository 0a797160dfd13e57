"""The admin REST API's OpenAPI document (openapi.yaml), the source of truth its server side is generated from: it
validates as OpenAPI 3.1, and keeps the rules every operation must follow (an id, the admin key, problem documents
for errors, bounded pages)."""

import os
from pathlib import Path

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

DOCUMENT = Path(__file__).resolve().parent.parent / "openapi.yaml"
METHODS = ("get", "post", "put", "patch", "delete")

pytestmark = pytest.mark.skipif(os.environ.get("E2E_DATABASE") == "postgres", reason="no database involved: once is enough")


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method], item.get("parameters", []) + item[method].get("parameters", [])


def test_the_document_is_valid_openapi_3_1():
    spec, _ = read_from_filename(str(DOCUMENT))
    validate(spec)
    assert spec["openapi"].startswith("3.1")


def test_every_operation_follows_the_house_rules():
    spec, _ = read_from_filename(str(DOCUMENT))
    assert spec["security"] == [{"adminKey": []}], "every operation needs an admin key"
    ids = [op["operationId"] for _, _, op, _ in operations(spec)]
    assert len(ids) == len(set(ids)), "operation ids are unique"
    for path, method, op, parameters in operations(spec):
        where = f"{method.upper()} {path}"
        assert "security" not in op, f"{where} must not lift the key requirement"
        responses = op["responses"]
        assert "401" in responses and "403" in responses, f"{where}: refusals for a missing key and for a normal user's"
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                ref = response.get("$ref", "")
                assert ref.startswith("#/components/responses/"), f"{where} {status}: a shared problem response"
        if any("{" in part for part in path.split("/")):
            assert "404" in responses, f"{where}: another organization's id answers 404"
        names = {p.get("name") or p.get("$ref", "").rsplit("/", 1)[-1] for p in parameters}
        if method == "get" and "Limit" in names:
            assert "Cursor" in names, f"{where}: keyset paging"
    for name, response in spec["components"]["responses"].items():
        assert list(response["content"]) == ["application/problem+json"], name
