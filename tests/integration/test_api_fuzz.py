"""A short schemathesis run over every operation of /api/v1/openapi.json (the long one is
bench/fuzz.py): generated valid and invalid requests, with bearer tokens of a worker and of the
receiving agency, never get a 5xx, and every answer has a status code, content type and body the
document publishes."""
from __future__ import annotations

from tests.api_fuzz import fuzz

CASES = 6  # per operation and mode: about 150 requests, well under 30 s


def test_generated_requests_to_every_operation_get_no_5xx_and_conform_to_the_schema(app, client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    operations = {f"{method.upper()} {path}" for path, item in paths.items() for method in item}
    report = fuzz(app, CASES)
    assert report.server_errors == 0, report.failures
    assert report.failures_total == 0, report.failures
    reached = {label.rsplit(" ", 1)[0] for label in report.per_operation}
    assert reached == operations
    # the cases reach past validation: some succeed, some are refused by a rule, some are 400s
    assert report.statuses[200] and report.statuses[400] and report.statuses[404]
