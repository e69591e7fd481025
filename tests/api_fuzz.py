"""Property-based fuzzing of the JSON API with schemathesis, shared by the short run in the test suite
(tests/integration/test_api_fuzz.py) and the long one (bench/fuzz.py).

Every operation of /api/v1/openapi.json gets cases generated from its own schema: valid ones
(positive) and ones that break it (negative: wrong types, unknown fields, values out of range).
Staff operations are called with bearer tokens of the roles that use them; some cases are pointed
at real rows (a demo referral, an active service) so the operations behind the checks run too.
Each answer must not be a 5xx, and must match the status codes, content type and body schema the
document publishes. The public HSDS bodies refer to the official HSDS schemas by URL; offline they
are taken as plain objects here (their shape is tested against the local copies elsewhere)."""
from __future__ import annotations

import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Unsatisfiable
from hypothesis import strategies as st
from schemathesis import GenerationMode
from sqlalchemy import select

from portal.api.openapi import SCHEMA_BASE
from portal.extensions import db

from tests.helpers import bearer

CHECK_NAMES = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
               "response_schema_conformance")


@dataclass
class FuzzReport:
    cases: int = 0
    server_errors: int = 0
    statuses: Counter = field(default_factory=Counter)
    per_operation: Counter = field(default_factory=Counter)
    failures_total: int = 0  # cases whose answer broke a check (status, content type, body schema, 5xx)
    failures: list[str] = field(default_factory=list)  # the first few, to read


def _offline(node):
    """The document with every HSDS reference by URL replaced by a plain object."""
    if isinstance(node, dict):
        if str(node.get("$ref", "")).startswith(SCHEMA_BASE):
            return {"type": "object"}
        return {key: _offline(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_offline(value) for value in node]
    return node


def load_schema(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    schema = schemathesis.openapi.from_dict(_offline(document))
    schema.app = app
    return schema


def _real_rows(app, worker: dict) -> dict:
    """Ids of real rows to aim cases at: services, organisations, category codes, and a few referrals
    sent by the demo worker to the demo agency (the demo data has none)."""
    from portal.directory.models import Area, Organization, Service, Taxonomy, TaxonomyTerm
    from seed.loader import seed_id

    with app.app_context():
        services = list(db.session.scalars(select(Service.id).where(Service.status == "active")
                                           .order_by(Service.id).limit(20)))
        organizations = list(db.session.scalars(select(Organization.id).order_by(Organization.id).limit(20)))
        needs = list(db.session.scalars(select(TaxonomyTerm.code).join(Taxonomy).where(Taxonomy.name == "category")))
        areas = list(db.session.scalars(select(Area.code).where(Area.level.in_(("district", "street")))))
    today = date.today()
    body = {"service_id": seed_id("service", "mmt-jiangbin/mmt"), "needs": ["methadone_maintenance"],
            "client": {"gender": "male"},
            "consent": {"items": ["referral"], "purpose": "fuzzing", "given_on": today.isoformat(),
                        "expires_on": (today + timedelta(days=90)).isoformat()}}
    client = app.test_client()
    referrals = [client.post("/api/v1/referrals", json=body, headers=worker).get_json().get("id") for _ in range(4)]
    return {"referral_id": [r for r in referrals if r], "service_id": services, "id": services + organizations,
            "needs": needs, "area": areas}


def _aim(case, rows: dict, pick: int) -> None:
    """Point a generated case at real rows now and then, so the checks behind the 404 run too."""
    def one(name):
        return rows[name][pick % len(rows[name])] if rows[name] else None

    for name in ("referral_id", "id"):
        if name in (case.path_parameters or {}) and one(name):
            case.path_parameters[name] = one(name)
    if isinstance(case.body, dict):
        if "service_id" in case.body and one("service_id"):
            case.body["service_id"] = one("service_id")
        if "needs" in case.body and "area" in rows and one("needs"):
            # a match profile: keep the generated numbers, flags and nulls, with a real need and area
            kept = {k: v for k, v in case.body.items() if not isinstance(v, (str, list, dict))}
            case.body = {**kept, "needs": [one("needs")], "area": one("area")}


def _checks():
    from schemathesis import checks

    return [getattr(checks, name) for name in CHECK_NAMES]


def fuzz(app, cases_per_operation: int, modes=(GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
         emails=("worker@demo.local", "agency@demo.local"), seed: int | None = None, rounds: int = 1,
         until: float | None = None, progress=None) -> FuzzReport:
    """Run ``cases_per_operation`` cases per operation and mode, in ``rounds`` passes over every
    operation (each with its own seed), stopping after the pass that ends past ``until`` (a
    ``time.monotonic()`` value), so a run cut short still covers every operation. Never raises for
    a failing case: the report counts and keeps the first failures."""
    schema = load_schema(app)
    operations = [result.ok() for result in schema.get_all_operations()]
    tokens = [bearer(app, email) for email in emails]
    rows = _real_rows(app, tokens[0])
    checks = _checks()
    report = FuzzReport()
    per_round = -(-cases_per_operation // rounds)
    for number in range(rounds):
        for operation in operations:
            for mode in modes:
                _fuzz_operation(operation, mode, per_round, tokens, rows, checks, report,
                                None if seed is None else seed + number)
        if progress:
            progress(number + 1, report)
        if until is not None and time.monotonic() > until:
            break
    return report


def _keep(report: FuzzReport, text: str) -> None:
    if len(report.failures) < 10:
        report.failures.append(text)


def _where(crash: BaseException) -> str:
    """The innermost frame of the portal's own code: where to look."""
    frames = [f for f in traceback.extract_tb(crash.__traceback__) if "/portal/" in f.filename]
    return f"{frames[-1].filename.split('/portal/')[-1]}:{frames[-1].lineno}" if frames else "?"


def _fuzz_operation(operation, mode, n, tokens, rows, checks, report: FuzzReport, seed) -> None:
    @settings(max_examples=n, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), derandomize=seed is None)
    @given(case=operation.as_strategy(generation_mode=mode), pick=st.integers(0, 10**6))
    def run(case, pick):
        if pick % 2:
            _aim(case, rows, pick // 2)
        headers = tokens[pick % len(tokens)]
        report.cases += 1
        try:
            response = case.call(headers=headers)
        except Exception as crash:  # noqa: BLE001 - the test app re-raises what would be a 500
            report.server_errors += 1
            _keep(report, f"{operation.label} [{mode.value}] {case.as_curl_command()}: "
                          f"{''.join(traceback.format_exception_only(crash)).strip():.300} at {_where(crash)}")
            return
        report.per_operation[f"{operation.label} {mode.value}"] += 1
        report.statuses[response.status_code] += 1
        if response.status_code >= 500:
            report.server_errors += 1
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except Exception as failure:  # noqa: BLE001 - every check failure is counted, none stops the run
            _keep(report, f"{operation.label} [{mode.value}] {case.body!r:.200}: {failure!s:.600}")
            report.failures_total += 1

    if seed is not None:
        run = hypothesis_seed(seed)(run)
    try:
        run()
    except Unsatisfiable:  # nothing to break (e.g. negative cases of an operation without inputs)
        pass
