"""``flask hsds import PATH [--dry-run] [--partial] [--errors-csv FILE]`` and ``flask hsds export PATH``."""
from __future__ import annotations

import csv
import time

import click
from flask.cli import AppGroup

from ..extensions import db

hsds_cli = AppGroup("hsds", help="Import and export Open Referral HSDS datasets.")


@hsds_cli.command("import")
@click.argument("path", type=click.Path(exists=True))
@click.option("--dry-run", is_flag=True, help="Validate and report; change nothing.")
@click.option("--partial", is_flag=True, help="Import every valid record and report the skipped ones "
              "(default: all or nothing).")
@click.option("--errors-csv", type=click.Path(dir_okay=False, writable=True),
              help="Also write every problem to this CSV file (file, row, field, problem, severity).")
@click.option("--max-lines", default=200, show_default=True, help="Problems printed to the terminal.")
def import_command(path, dry_run, partial, errors_csv, max_lines):
    """Import an HSDS 3.0 (JSON or CSV), 2.0 or 1.1 dataset from a folder or a zip."""
    from .importer import SourceError, finish_import, import_dataset

    started = time.perf_counter()
    session = db.session
    bar = click.progressbar(length=1, label="Importing records", show_pos=True)

    def progress(done, total):
        bar.length = max(total, 1)
        bar.update(done - bar.pos)

    try:
        with bar:
            report = import_dataset(session, path, partial=partial, dry_run=dry_run, progress=progress)
        finish_import(session, report)
    except SourceError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    for problem in report.problems[:max_lines]:
        click.echo(problem.line())
    if len(report.problems) > max_lines:
        click.echo(f"… {len(report.problems) - max_lines} more (use --errors-csv FILE for all)")
    if errors_csv:
        with open(errors_csv, "w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(["file", "row", "field", "problem", "severity"])
            for p in report.problems:
                out.writerow([p.file, p.row if p.row is not None else "", p.field or "", p.problem, p.severity])
    for line in report.summary_lines():
        click.echo(line)
    click.echo(f"total: {time.perf_counter() - started:.1f}s")
    if dry_run:
        click.echo("Dry run: nothing was changed.")
    elif report.committed:
        skipped = sum(report.skipped.values())
        click.echo("Imported." + (f" {skipped} records skipped (listed above)." if skipped else ""))
    else:
        raise click.ClickException(
            f"Nothing was imported: {len(report.errors)} errors. Fix them, or use --partial to import "
            "the valid records.")


@hsds_cli.command("export")
@click.argument("path", type=click.Path(file_okay=False))
@click.option("--public", is_flag=True, help="Leave out staff-only data (contacts, capacity notes).")
def export_command(path, public):
    """Write the directory as an HSDS 3.0 datapackage (CSV + datapackage.json) and as JSON."""
    from .exporter import export_directory

    counts = export_directory(db.session, path, staff=not public)
    click.echo(f"Exported to {path}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
