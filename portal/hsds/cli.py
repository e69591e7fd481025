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
@click.option("--country", default=None, metavar="CC",
              help="The dataset's ISO country (phone numbers, addresses), when not PORTAL_DEFAULT_COUNTRY.")
def import_command(path, dry_run, partial, errors_csv, max_lines, country):
    """Import an HSDS 3.0 (JSON or CSV), 2.0 or 1.1 dataset, or an Ohana CSV/NDJSON export, from a
    folder, a zip or a single file. Exits non-zero when nothing was (or, in a dry run, would be)
    imported."""
    from .importer import SourceError, finish_import, import_dataset

    started = time.perf_counter()
    session = db.session
    bar = click.progressbar(length=1, label="Importing records", show_pos=True)

    def progress(done, total):
        bar.length = max(total, 1)
        bar.update(done - bar.pos)

    try:
        with bar:
            report = import_dataset(session, path, partial=partial, dry_run=dry_run, progress=progress,
                                    country=country)
        bar = click.progressbar(length=1, label="Search index     ", show_pos=True)
        with bar:  # moves when a large import rebuilds the index (finish_import)
            finish_import(session, report, progress=progress)
    except SourceError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    echo_outcome(report, dry_run=dry_run, max_lines=max_lines, errors_csv=errors_csv, started=started)


def echo_outcome(report, *, dry_run: bool, max_lines: int, errors_csv: str | None = None,
                 started: float | None = None, csv_hint: bool = True) -> None:
    """Print an import's problems and summary; exit non-zero when nothing was (or, in a dry run,
    would be) imported. Shared by every import command (HSDS datasets, spreadsheets)."""
    for problem in report.problems[:max_lines]:
        click.echo(problem.line())
    if len(report.problems) > max_lines:
        click.echo(f"… {len(report.problems) - max_lines} more" + (" (use --errors-csv FILE for all)"
                                                                  if csv_hint and errors_csv is None else ""))
    if errors_csv:
        with open(errors_csv, "w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(["file", "row", "field", "problem", "severity"])
            for p in report.problems:
                out.writerow([p.file, p.row if p.row is not None else "", p.field or "", p.problem, p.severity])
    for line in report.summary_lines():
        click.echo(line)
    if started is not None:
        click.echo(f"total: {time.perf_counter() - started:.1f}s")
    if report.imported_nothing or report.diagnoses:
        raise click.ClickException("Nothing was imported: " + (report.diagnoses[0] if report.diagnoses else
                                   "no organisation, service or location in the dataset is valid."))
    if dry_run:
        click.echo("Dry run: nothing was changed.")
        if not report.ok:
            raise click.ClickException(f"{len(report.errors)} errors: without --partial nothing would be imported.")
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
