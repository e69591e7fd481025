"""Real accounts are hashed at argon2's full cost; the suite's cheap hashes can never reach production."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("PORTAL_FAST_PASSWORD_HASHES", "PORTAL_ENV")}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120)


def test_without_the_test_switch_passwords_are_hashed_with_argon2id_at_full_cost():
    done = _python("from portal.accounts.passwords import hash_password; print(hash_password('a long password'))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("$argon2id$") and "m=65536,t=3,p=4" in done.stdout


def test_a_production_start_refuses_the_cheap_test_hashes():
    done = _python("from portal.config import Config; Config()", PORTAL_ENV="production",
                   SECRET_KEY="x" * 40, PORTAL_FAST_PASSWORD_HASHES="1")
    assert done.returncode != 0 and "PORTAL_FAST_PASSWORD_HASHES is for the test suite only" in done.stderr
