"""Load run: a mixed workload from many simulated users (locust) against gunicorn, for minutes.

Prepares a production-like instance in a temporary folder exactly as ``bench/stress.py`` does
(migrate, demo data, index; PostgreSQL when ``--database-url`` is given, which is what the target is
about), starts gunicorn as ``make run`` does, and runs locust as a library with four kinds of user:

- public visitors: search (Chinese and English, filters, distance) and service pages;
- social workers: signed-in staff search, match requests, referrals created and sent through the API;
- agency staff: the weekly listing update (the status form, CSRF and all) and answering referrals
  (acknowledge, accept or decline, connect) through the API;
- API clients: directory reads.

An error is a 5xx or a dropped connection; a 4xx is counted apart (a 4xx means this script sent
something the portal rightly refused, which would make the run mean less, so it is printed too).

    .venv/bin/pip install -r requirements-bench.txt      (locust: for benchmarks only)
    .venv/bin/python bench/load.py --database-url postgresql+psycopg://… [--users 50] [--minutes 10]

Last line: ``errors=<n> p95_ms=<n>``.
"""
from __future__ import annotations

# locust runs on gevent and patches the standard library when it is imported: first, before anything
# opens a socket.
from locust import HttpUser, between, events, task  # noqa: I001  (must come first)
from locust.env import Environment

import argparse
import random
import re
import shutil
import sys
import tempfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import gevent

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]
import stress  # noqa: E402  (bench/stress.py: instance preparation and gunicorn)

AGENCY_EMAIL, AGENCY_PASSWORD = "agency@demo.local", "demo-agency-2026"
TOKENS: dict[str, str] = {}
SERVICES: dict[str, list[str]] = {"any": [], "agency": []}
OUTCOMES: Counter = Counter()


def _classify(response) -> None:
    """Only 5xx and dropped connections are failures; 4xx are counted for the report."""
    code = response.status_code
    if code == 0 or code >= 500:
        response.failure(f"{code} {type(response.error).__name__ if response.error else ''}: {response.error}"[:200])
        return
    if code >= 400:
        OUTCOMES[f"{code} {response.request_meta_name}"] += 1
    response.success()


def _get(user: HttpUser, path: str, name: str, **kwargs) -> object:
    with user.client.get(path, name=name, catch_response=True, **kwargs) as response:
        response.request_meta_name = name
        _classify(response)
        return response


def _send(user: HttpUser, method: str, path: str, name: str, **kwargs) -> object:
    with user.client.request(method, path, name=name, catch_response=True, **kwargs) as response:
        response.request_meta_name = name
        _classify(response)
        return response


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return found.group(1) if found else ""


class PublicVisitor(HttpUser):
    weight = 5
    wait_time = between(0.5, 2)

    @task(3)
    def search(self):
        q = random.choice(stress.QUERIES)
        extra = random.choice(["", "&lang=en", "&sort=distance&area=JL-01", "&category=counselling"])
        _get(self, f"/search?q={q}{extra}", "/search")

    @task(2)
    def service_page(self):
        if SERVICES["any"]:
            _get(self, f"/services/{random.choice(SERVICES['any'])}", "/services/<id>")


class SocialWorker(HttpUser):
    weight = 3
    wait_time = between(1, 3)

    def on_start(self):
        page = _get(self, "/login", "/login")
        _send(self, "POST", "/login", "/login POST",
              data={"csrf_token": _csrf(page.text), "email": stress.WORKER_EMAIL, "password": stress.WORKER_PASSWORD})

    @task(3)
    def staff_search(self):
        _get(self, f"/search?q={random.choice(stress.QUERIES)}", "/search (staff)")

    @task(2)
    def match(self):
        _send(self, "POST", "/api/v1/match", "/api/v1/match", headers=_bearer("worker"), json={
            "needs": random.sample(stress.NEEDS, random.randint(1, 3)), "age": random.randint(18, 65),
            "gender": random.choice(["female", "male"]), "area": f"JL-{random.randint(1, 11):02d}",
            "travel_km": random.choice([5, 10, 30]), "limit": 20})

    @task(1)
    def refer(self):
        if not SERVICES["agency"]:
            return
        _send(self, "POST", "/api/v1/referrals", "/api/v1/referrals POST", headers=_bearer("worker"), json={
            "service_id": random.choice(SERVICES["agency"]), "needs": ["methadone_maintenance"],
            "urgency": "routine", "reason": "load test",
            "client": {"birth_year": random.randint(1960, 2000), "gender": "male", "language": "zh"},
            "consent": {"items": ["referral"], "purpose": "referral", "given_on": date.today().isoformat(),
                        "expires_on": (date.today() + timedelta(days=90)).isoformat()},
            "send": True})


class AgencyStaff(HttpUser):
    weight = 1
    wait_time = between(2, 5)

    def on_start(self):
        page = _get(self, "/login", "/login")
        _send(self, "POST", "/login", "/login POST",
              data={"csrf_token": _csrf(page.text), "email": AGENCY_EMAIL, "password": AGENCY_PASSWORD})

    @task(1)
    def weekly_update(self):
        page = _get(self, "/listings/", "/listings/")
        ids = re.findall(r'/listings/services/([0-9a-f-]{36})/status', page.text)
        if ids:
            _send(self, "POST", f"/listings/services/{random.choice(ids)}/status", "/listings/services/<id>/status",
                  data={"csrf_token": _csrf(page.text), "action": random.choice(["accepting", "verify"])})

    @task(3)
    def answer_referrals(self):
        listing = _get(self, "/api/v1/referrals?status=sent", "/api/v1/referrals", headers=_bearer("agency"))
        try:
            rows = listing.json().get("contents", [])
        except ValueError:
            return
        for row in rows[:3]:
            action = random.choice(["acknowledge", "accept", "accept", "decline"])
            body = {"action": action}
            if action == "decline":
                body.update(reason="no_capacity", declined_by="provider")
            _send(self, "POST", f"/api/v1/referrals/{row['id']}/transitions", "/api/v1/referrals/<id>/transitions",
                  headers=_bearer("agency"), json=body)


class ApiClient(HttpUser):
    weight = 1
    wait_time = between(1, 3)

    @task
    def directory(self):
        _get(self, f"/api/v1/services?q={random.choice(stress.QUERIES)}&per_page=50", "/api/v1/services",
             headers=_bearer("worker"))


def _bearer(who: str) -> dict:
    return {"Authorization": f"Bearer {TOKENS[who]}"}


def _discover(base: str) -> None:
    import json
    import urllib.request

    def fetch(path: str):
        request = urllib.request.Request(base + path, headers=_bearer("worker"))
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    from seed.loader import seed_id

    SERVICES["any"] = [s["id"] for s in fetch("/api/v1/services?per_page=100").get("contents", [])]
    clinic = seed_id("organization", "mmt-jiangbin")  # the demo agency user's methadone clinic
    SERVICES["agency"] = [s["id"] for s in fetch(f"/api/v1/services?organization_id={clinic}&per_page=50")
                          .get("contents", [])]


def run(base: str, users: int, seconds: float) -> Environment:
    # stop_timeout: at the end each user finishes the request it is in; killed mid-request, it would be
    # counted as a dropped connection (status 0) that the server never saw.
    env = Environment(user_classes=[PublicVisitor, SocialWorker, AgencyStaff, ApiClient], host=base, events=events,
                      stop_timeout=60)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=max(1, users // 10))
    gevent.sleep(seconds)
    runner.stop()
    runner.quit()
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--worker-threads", type=int, default=4)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary folder")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="portal-load-"))
    env = stress.instance_env(workdir, args.database_url)
    print(f"preparing {workdir} ({'PostgreSQL' if args.database_url else 'SQLite'}) …", flush=True)
    TOKENS["worker"] = stress.prepare(env)
    TOKENS["agency"] = stress.api_token(env, AGENCY_EMAIL)
    with stress.serve(env, workdir, args.workers, args.worker_threads) as base:
        _discover(base)
        print(f"{args.users} users for {args.minutes} min against gunicorn {args.workers}x{args.worker_threads}; "
              f"{len(SERVICES['agency'])} referral targets", flush=True)
        result = run(base, args.users, args.minutes * 60)
    total = result.stats.total
    for name, entry in sorted(result.stats.entries.items()):
        print(f"{name[1]:6} {name[0]:42} n={entry.num_requests:6} fail={entry.num_failures:4} "
              f"p50={entry.get_response_time_percentile(0.5):.0f} p95={entry.get_response_time_percentile(0.95):.0f}")
    for outcome, n in OUTCOMES.most_common():
        print(f"4xx {outcome}: {n}")
    for error in result.stats.errors.values():  # what each failure was (status or connection error)
        print(f"error {error.method} {error.name}: {error.error} × {error.occurrences}")
    log_text = (workdir / "gunicorn.log").read_text(errors="replace")
    crashes = stress.count_crashes(log_text)
    print(f"requests={total.num_requests} rps={total.total_rps:.1f} worker_crashes={len(crashes)}")
    if total.num_failures or crashes:
        print(f"gunicorn's log kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    errors = total.num_failures + len(crashes)
    print(f"errors={errors} p95_ms={total.get_response_time_percentile(0.95):.0f}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
