"""The rule for data kept outside the repository: missing real HSDS exports skip a test on a
developer's machine, and fail it under CI=true (CI must never pass by skipping)."""
from __future__ import annotations

import pytest

from tests import paths


def test_missing_real_exports_fail_under_ci(monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "REAL_DIR", tmp_path / "nowhere")
    monkeypatch.setattr(paths, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        paths.require_real_exports()


def test_missing_real_exports_skip_outside_ci(monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "REAL_DIR", tmp_path / "nowhere")
    monkeypatch.setattr(paths, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception):
        paths.require_real_exports()


def test_present_real_exports_are_returned(monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "REAL_DIR", tmp_path)
    monkeypatch.setattr(paths, "IN_CI", True)
    assert paths.require_real_exports() == tmp_path


def test_the_official_hsds_files_are_in_the_repository():
    assert (paths.SCHEMA_DIR / "service.json").is_file()
    assert (paths.HSDS_DIR / "examples" / "service_full.json").is_file()
    notice = (paths.HSDS_DIR / "NOTICE").read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in notice or "Attribution-ShareAlike 4.0" in notice


def test_no_test_module_skips_on_its_own_terms():
    # A module-level skipif on the real exports skipped under CI=true too (found in
    # test_vocab_crosswalk): skips go through paths.require_real_exports, nowhere else.
    offenders = [str(f.relative_to(paths.TESTS_DIR)) for f in paths.TESTS_DIR.rglob("*.py")
                 if "mark.skipif" in f.read_text(encoding="utf-8") and f.name != "test_paths.py"]
    assert offenders == []
