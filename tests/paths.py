"""Where the tests find their data files, and the one rule for data that lives outside the repository.

- ``HSDS_DIR``: the official HSDS 3.0 schemas and examples, copied into ``tests/fixtures/hsds`` (with
  their CC BY-SA 4.0 notice): always present.
- ``REAL_DIR``: real exports in older HSDS versions, too large to copy, read from ``../shared/hsds-real``
  beside the repository (or the folder named by ``HSDS_REAL_DIR``). A test that needs them asks for the
  ``hsds_real`` fixture (or uses ``needs_real``): outside CI it is skipped when the folder is missing;
  under ``CI=true`` it fails, so CI never passes by skipping.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
FIXTURES_DIR = TESTS_DIR / "fixtures"
HSDS_DIR = FIXTURES_DIR / "hsds"
SCHEMA_DIR = HSDS_DIR / "schema"
REAL_DIR = Path(os.environ.get("HSDS_REAL_DIR") or TESTS_DIR.parents[1] / "shared" / "hsds-real")

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_real_exports() -> Path:
    """``REAL_DIR`` if it is there; otherwise skip the test, or fail it under ``CI=true``."""
    if REAL_DIR.is_dir():
        return REAL_DIR
    message = (f"the real HSDS exports are not at {REAL_DIR} "
               "(put them in ../shared/hsds-real or set HSDS_REAL_DIR)")
    if IN_CI:
        pytest.fail(message + ": CI=true, so this fails instead of skipping")
    pytest.skip(message)


# For tests that do not take the fixture as an argument.
needs_real = pytest.mark.usefixtures("hsds_real")
