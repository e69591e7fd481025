"""scripts/backup_restore.sh: a backup taken while the app runs restores the database as it was
(SQLite through the online backup API; PostgreSQL through pg_dump/pg_restore when that backend runs),
and the index is rebuilt from the restored database."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from sqlalchemy import select

from portal.directory.models import Service
from portal.extensions import db

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "backup_restore.sh"


def _run(app, *args) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"])
    return subprocess.run(["bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=300)


def _first_service_name(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Service.name_zh).order_by(Service.id).limit(1))


def _rename_first_service(app, name: str) -> None:
    with app.app_context():
        service = db.session.scalar(select(Service).order_by(Service.id).limit(1))
        service.name_zh = name
        db.session.commit()


def test_a_backup_restores_the_database_as_it_was(app, tmp_path):
    original = _first_service_name(app)
    with app.app_context():
        db.session.remove()  # an open app connection, as in production; the backup must not need it closed
    done = _run(app, "backup", str(tmp_path / "backups"))
    assert done.returncode == 0, done.stderr
    backup = Path(done.stdout.strip().splitlines()[-1])
    assert backup.exists() and backup.stat().st_size > 0
    verified = _run(app, "verify", str(backup))
    assert verified.returncode == 0 and verified.stdout.startswith("ok"), verified.stderr

    _rename_first_service(app, "qzx changed after the backup")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # the app is stopped for a restore
    restored = _run(app, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert _first_service_name(app) == original

    rebuilt = app.test_cli_runner().invoke(args=["index", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output


def test_restore_refuses_a_file_that_is_not_a_backup(app, tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("not a database")
    done = _run(app, "restore", str(junk))
    assert done.returncode != 0
    assert _first_service_name(app)  # the database is untouched
