"""Stress run: many client threads against gunicorn with the production settings, to catch worker
crashes (segmentation faults) and server errors under concurrency.

It prepares a fresh instance (migrate, demo data, search index, an API token) in a temporary folder,
starts gunicorn exactly as ``make run`` does (2 workers x 4 threads unless told otherwise) with
``PORTAL_ENV=production``, and sends a mix of public pages, staff pages (a signed-in worker) and API
calls (search, service pages, matching) from N threads for M minutes. Worker crashes are read from
gunicorn's own log ("Worker (pid:…) was sent SIGSEGV!", or exits with a non-zero code).

    .venv/bin/python bench/stress.py [--threads 16] [--minutes 1.5] [--workers 2] [--worker-threads 4]
                                     [--database-url postgresql+psycopg://…]

The last line reads ``worker_crashes=<n> server_errors=<n> requests=<n>``.
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import http.cookiejar
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORKER_EMAIL, WORKER_PASSWORD = "worker@demo.local", "demo-worker-2026"
QUERIES = ["美沙酮", "methadone", "心理咨询", "counselling", "戒毒", "喘息服务", "respite", "就业",
           "employment", "hotline", "热线", "peer support", "同伴", "家属", "康复", "rehab", "针具交换",
           "mental health", "精神", "detox", "住房", "legal aid", "青少年", "women", "metadone", "xyzzy"]
NEEDS = ["counselling", "methadone_maintenance", "detox", "peer_support", "vocational_training",
         "crisis_hotline", "respite_care", "family_support", "housing_support", "harm_reduction"]
CRASH = re.compile(r"Worker \(pid:\d+\) (was sent (SIG\w+)|exited with code (\d+))")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env: dict, *args: str) -> str:
    out = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True)
    return out.stdout


def prepare(env: dict) -> str:
    """Migrate, demo data, index; returns an API token of the demo worker."""
    flask(env, "db", "upgrade")
    flask(env, "seed", "demo", "--quiet")
    flask(env, "index", "ensure")
    return api_token(env, WORKER_EMAIL)


def api_token(env: dict, email: str) -> str:
    out = flask(env, "tokens", "create", "--email", email)
    token = re.findall(r"\S{30,}", out)
    if not token:
        raise SystemExit(f"could not read the API token from: {out!r}")
    return token[-1]


class Client:
    """One simulated user: a cookie jar (for the staff session) and a bearer token (for the API)."""

    def __init__(self, base: str, token: str, stats: Counter, lock: threading.Lock) -> None:
        self.base, self.token, self.stats, self.lock = base, token, stats, lock
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.signed_in = False

    def call(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(request, timeout=60) as response:
                status, text = response.status, response.read()
        except urllib.error.HTTPError as error:
            try:
                status, text = error.code, error.read()
            except (http.client.HTTPException, OSError) as broken:
                status, text = "dropped", str(broken).encode()
        except (http.client.HTTPException, OSError) as error:  # a worker died mid-request
            status, text = "dropped", str(error).encode()
        with self.lock:
            self.stats["requests"] += 1
            if status == "dropped":
                self.stats["dropped"] += 1
            elif status >= 500:
                self.stats["server_errors"] += 1
                self.stats[f"5xx {method} {path.split('?')[0][:40]}"] += 1
        return status, text

    def sign_in(self) -> None:
        status, page = self.call("GET", "/login")
        match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        if not match:
            return
        form = urllib.parse.urlencode({"csrf_token": match.group(1).decode(), "email": WORKER_EMAIL,
                                       "password": WORKER_PASSWORD}).encode()
        self.call("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        self.signed_in = True

    def api(self, method: str, path: str, payload=None):
        headers = {"Authorization": f"Bearer {self.token}"}
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        return self.call(method, path, body, headers)


def one_step(client: Client, rng: random.Random, service_ids: list[str]) -> None:
    q = urllib.parse.quote(rng.choice(QUERIES))
    kind = rng.random()
    if kind < 0.25:
        client.call("GET", f"/search?q={q}" + rng.choice(["", "&lang=en", "&sort=distance&area=JL-01"]))
    elif kind < 0.40:
        client.api("GET", f"/api/v1/services?q={q}&per_page={rng.choice([10, 50])}")
    elif kind < 0.55 and service_ids:
        client.call("GET", f"/services/{rng.choice(service_ids)}" + rng.choice(["", "?lang=en"]))
    elif kind < 0.70:
        client.api("POST", "/api/v1/match", {
            "needs": rng.sample(NEEDS, rng.randint(1, 3)), "age": rng.randint(14, 70),
            "gender": rng.choice(["female", "male"]), "area": f"JL-{rng.randint(1, 11):02d}",
            "travel_km": rng.choice([5, 10, 30]), "limit": 20})
    else:
        if not client.signed_in:
            client.sign_in()
        client.call("GET", rng.choice(["/search?q=" + q, "/referrals/", "/match", "/", "/list",
                                       "/notifications/", "/search?q=" + q + "&lang=en"]))


def run_clients(base: str, token: str, threads: int, seconds: float) -> Counter:
    stats, lock = Counter(), threading.Lock()
    probe = Client(base, token, stats, lock)
    _, body = probe.api("GET", "/api/v1/services?per_page=100")
    try:
        service_ids = [s["id"] for s in json.loads(body).get("contents", [])]
    except ValueError:
        service_ids = []
    deadline = time.monotonic() + seconds

    def loop(seed: int) -> None:
        rng, client = random.Random(seed), Client(base, token, stats, lock)
        while time.monotonic() < deadline:
            one_step(client, rng, service_ids)

    workers = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return stats


def count_crashes(log_text: str) -> list[str]:
    crashes = []
    for line in log_text.splitlines():
        m = CRASH.search(line)
        if m and (m.group(2) not in (None, "SIGTERM", "SIGQUIT") or (m.group(3) not in (None, "0"))):
            crashes.append(line.strip())
    return crashes


def instance_env(workdir: Path, database_url: str = "") -> dict:
    """The environment of a production-like instance living in ``workdir`` (SQLite there unless a
    database URL is given)."""
    env = dict(os.environ, PORTAL_INSTANCE_DIR=str(workdir), FLASK_APP="wsgi", PORTAL_ENV="production",
               SECRET_KEY=secrets.token_hex(32), SESSION_COOKIE_SECURE="0", PYTHONFAULTHANDLER="1")
    env.pop("SEARCH_INDEX_DIR", None)
    env.pop("PORTAL_FAST_PASSWORD_HASHES", None)  # a production instance hashes at full cost
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    return env


@contextlib.contextmanager
def serve(env: dict, workdir: Path, workers: int, threads: int, max_requests: int = 0):
    """gunicorn as ``make run`` starts it; yields its base URL once /healthz answers, stops it after."""
    port = free_port()
    log_path = workdir / "gunicorn.log"
    command = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
               "--threads", str(threads), "--keep-alive", "75", "--error-logfile", str(log_path),
               "--control-socket", str(workdir / "gunicorn.ctl"), "wsgi:app"]
    if max_requests:
        command[-1:-1] = ["--max-requests", str(max_requests), "--max-requests-jitter", str(max(1, max_requests // 4))]
    with open(workdir / "gunicorn.stdout", "wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=60).read()
                break
            except (http.client.HTTPException, OSError):  # not listening yet
                if server.poll() is not None:
                    raise SystemExit(f"gunicorn exited: {log_path.read_text()[-2000:]}")
                time.sleep(0.2)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=16, help="client threads")
    parser.add_argument("--minutes", type=float, default=1.5)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--worker-threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary folder")
    parser.add_argument("--max-requests", type=int, default=0,
                        help="recycle each worker after about this many requests (0: never); cold "
                             "workers are where concurrency bugs show first")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (for its logs)")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="portal-stress-"))
    env = instance_env(workdir, args.database_url)
    print(f"preparing {workdir} ({'PostgreSQL' if args.database_url else 'SQLite'}) …", flush=True)
    token = prepare(env)
    log_path = workdir / "gunicorn.log"
    with serve(env, workdir, args.workers, args.worker_threads, args.max_requests) as base:
        print(f"gunicorn {args.workers}x{args.worker_threads} on {base}; {args.threads} client threads "
              f"for {args.minutes} min", flush=True)
        started = time.monotonic()
        stats = run_clients(base, token, args.threads, args.minutes * 60)
        elapsed = time.monotonic() - started
    log_text = log_path.read_text(errors="replace")
    crashes = count_crashes(log_text)
    for line in crashes:
        print("crash:", line)
    if crashes:
        fatal = [ln for ln in log_text.splitlines() if "Fatal Python error" in ln or 'File "' in ln]
        print("\n".join(fatal[:60]))
    for key, value in sorted(stats.items()):
        if key.startswith("5xx"):
            print(f"{key}: {value}")
    print(f"{stats['requests'] / elapsed:.0f} requests/s, {stats['dropped']} dropped connections")
    print(f"workers recycled: {log_text.count('Booting worker') - args.workers}")
    if args.keep or crashes:
        print(f"logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"worker_crashes={len(crashes)} server_errors={stats['server_errors']} requests={stats['requests']}")
    return 1 if crashes or stats["server_errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
