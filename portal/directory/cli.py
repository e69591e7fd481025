"""``flask directory import-sheet FILE``: a directory kept in a spreadsheet (xlsx or csv)."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..extensions import db

directory_cli = AppGroup("directory", help="The service directory (目录): spreadsheets in, and more.")


@directory_cli.command("import-sheet")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
              help="Map a column (its header, or its number from 1) to a field; repeatable. Without any, "
                   "columns are mapped from their headers (机构名称, 服务名称, 地址, 联系电话 …).")
@click.option("--sheet", help="The worksheet to read (default: the first).")
@click.option("--dry-run", is_flag=True, help="Validate and report; change nothing.")
@click.option("--partial", is_flag=True, help="Import the valid rows and report the others.")
@click.option("--max-lines", default=200, show_default=True, help="Problems printed.")
def import_sheet_command(path, maps, sheet, dry_run, partial, max_lines):
    """Import services from an .xlsx or .csv sheet: same rules and report as `flask hsds import`."""
    from ..hsds.cli import echo_outcome
    from ..hsds.importer import finish_import
    from ..hsds.spreadsheet import FIELD_BY_KEY, SheetError, import_sheet, read_sheet, suggest_mapping

    data = Path(path).read_bytes()
    try:
        headers, _rows = read_sheet(data, path, sheet)
    except SheetError as exc:
        raise click.ClickException(str(exc)) from exc
    mapping = suggest_mapping(headers)
    for item in maps:
        column, _, key = item.partition("=")
        if key not in FIELD_BY_KEY:
            raise click.ClickException(f"unknown field {key!r}; fields: {', '.join(FIELD_BY_KEY)}")
        index = int(column) - 1 if column.isdigit() else next((i for i, h in enumerate(headers) if h == column), None)
        if index is None or not 0 <= index < len(headers):
            raise click.ClickException(f"no column {column!r}; columns: {', '.join(headers)}")
        mapping = {i: k for i, k in mapping.items() if k != key}
        mapping[index] = key
    click.echo("Columns: " + "; ".join(f"{headers[i]} → {k}" for i, k in sorted(mapping.items())))
    session = db.session
    try:
        report = import_sheet(session, data, Path(path).name, mapping, partial=partial, dry_run=dry_run, sheet=sheet)
        finish_import(session, report)
    except SheetError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    echo_outcome(report, dry_run=dry_run, max_lines=max_lines, csv_hint=False)
