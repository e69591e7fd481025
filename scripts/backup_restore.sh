#!/usr/bin/env bash
# Back up and restore the portal's database (the one source of truth; the search index is rebuilt
# from it, never backed up). Reads DATABASE_URL like the app (default: instance/portal.db).
#
#   scripts/backup_restore.sh backup  <folder>        write <folder>/portal-<UTC time>.{sqlite3|dump}
#   scripts/backup_restore.sh restore <backup file>   replace the database with the backup (stop the app first)
#   scripts/backup_restore.sh verify  <backup file>   check that a backup opens and has the schema
#
# SQLite: the online backup API (consistent while the app runs; never copy the live file).
# PostgreSQL: pg_dump in custom format; restore with pg_restore --clean into the same database.
# After a restore, run `flask index rebuild` on every host (each host's index follows the feed from
# the restored database's position only after a rebuild).
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$here/.venv/bin/python}"
url="${DATABASE_URL:-sqlite:///${PORTAL_INSTANCE_DIR:-$here/instance}/portal.db}"

die() { echo "backup_restore: $*" >&2; exit 1; }

sqlite_path() {  # sqlite:////abs/path or sqlite:///relative/path -> a file path
  local rest="${url#sqlite:///}"
  echo "$rest"
}

pg_url() {  # libpq does not know SQLAlchemy's driver suffix
  echo "$url" | sed -E 's#^postgresql\+[a-z0-9]+://#postgresql://#'
}

sqlite_copy() {  # $1 source file, $2 target file: SQLite's online backup, page by page
  "$python" - "$1" "$2" <<'PY'
import sqlite3, sys
source, target = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)
target.close(); source.close()
PY
}

backup() {
  local folder="$1" stamp
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  mkdir -p "$folder"
  case "$url" in
    sqlite:*)
      local db; db="$(sqlite_path)"
      [ -f "$db" ] || die "no database at $db"
      sqlite_copy "$db" "$folder/portal-$stamp.sqlite3"
      echo "$folder/portal-$stamp.sqlite3" ;;
    postgresql*)
      pg_dump --format=custom --no-owner --file="$folder/portal-$stamp.dump" "$(pg_url)"
      echo "$folder/portal-$stamp.dump" ;;
    *) die "unsupported DATABASE_URL scheme" ;;
  esac
}

restore() {
  local file="$1"
  [ -f "$file" ] || die "no backup file at $file"
  verify "$file" >/dev/null
  case "$url" in
    sqlite:*)
      local db; db="$(sqlite_path)"
      mkdir -p "$(dirname "$db")"
      # Through the backup API as well: the target's WAL and shared-memory files stay consistent.
      sqlite_copy "$file" "$db"
      echo "restored $db" ;;
    postgresql*)
      pg_restore --clean --if-exists --no-owner --single-transaction --dbname="$(pg_url)" "$file"
      echo "restored the PostgreSQL database" ;;
    *) die "unsupported DATABASE_URL scheme" ;;
  esac
}

verify() {
  local file="$1"
  [ -f "$file" ] || die "no backup file at $file"
  case "$file" in
    *.sqlite3)
      "$python" - "$file" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity check failed"
version = db.execute("SELECT version_num FROM alembic_version").fetchone()[0]
print(f"ok: schema {version}")
PY
      ;;
    *.dump) pg_restore --list "$file" >/dev/null && echo "ok: PostgreSQL custom-format dump" ;;
    *) die "unknown backup file type: $file" ;;
  esac
}

case "${1:-}" in
  backup)  [ $# -eq 2 ] || die "usage: $0 backup <folder>"; backup "$2" ;;
  restore) [ $# -eq 2 ] || die "usage: $0 restore <backup file>"; restore "$2" ;;
  verify)  [ $# -eq 2 ] || die "usage: $0 verify <backup file>"; verify "$2" ;;
  *) die "usage: $0 backup <folder> | restore <backup file> | verify <backup file>" ;;
esac
