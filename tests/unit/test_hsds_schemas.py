"""The official HSDS 3.0 JSON schemas (copied into tests/fixtures/hsds with their CC BY-SA 4.0
notice) as a validator that other HSDS tests import, and checks that the validator itself accepts
the official examples and rejects broken objects (so a passing API test means something)."""
from __future__ import annotations

import json
from functools import lru_cache

import pytest

from tests.paths import HSDS_DIR, REAL_DIR, SCHEMA_DIR  # noqa: F401 - REAL_DIR re-exported for older imports


@lru_cache(maxsize=1)
def _registry():
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources = []
    for path in SCHEMA_DIR.glob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        if "properties" not in schema:
            continue
        # The schema files refer to each other by bare file name ("attribute.json").
        resources.append((path.name, Resource.from_contents(schema, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


def validator(name: str):
    from jsonschema import Draft202012Validator, FormatChecker

    schema = _registry().contents(f"{name}.json")
    return Draft202012Validator(schema, registry=_registry(), format_checker=FormatChecker())


def schema_errors(name: str, instance) -> list[str]:
    """Every way ``instance`` breaks the HSDS schema ``name`` (``service``, ``organization``, …)."""
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator(name).iter_errors(instance)]


def page_errors(name: str, page: dict) -> list[str]:
    errors = [f"page field {key} missing" for key in
              ("total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty",
               "contents") if key not in page]
    for i, item in enumerate(page.get("contents", [])):
        errors += [f"contents/{i}/{e}" for e in schema_errors(name, item)]
    return errors


@pytest.mark.parametrize("name", ["service_full", "organization_full", "location", "taxonomy_term"])
def test_official_examples_validate(name):
    example = json.loads((HSDS_DIR / "examples" / f"{name}.json").read_text(encoding="utf-8"))
    schema = name.replace("_full", "")
    assert schema_errors(schema, example) == []


def test_validator_rejects_broken_service():
    broken = {"id": "not-a-uuid", "name": 5, "status": "open",
              "phones": [{"id": "1554f2e2-a373-45db-a3fa-9fc48a61c15e"}]}
    errors = " | ".join(schema_errors("service", broken))
    assert "not-a-uuid" in errors  # id format
    assert "'open' is not one of" in errors  # status enum
    assert "'number' is a required property" in errors  # nested phone
