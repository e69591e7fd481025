"""``flask index sync`` and ``flask index rebuild``."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from ..extensions import db
from .index import IndexBusyError
from .service import get_index

index_cli = AppGroup("index", help="Maintain the search index.")


@index_cli.command("rebuild")
def rebuild():
    """Rebuild the whole index from the database (written aside, then swapped in)."""
    with Session(db.engine) as session, click.progressbar(length=1, label="Indexing services") as bar:
        def progress(done, total):
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        count = get_index().rebuild(session, progress=progress)
    click.echo(f"Indexed {count} services.")


@index_cli.command("sync")
def sync():
    """Apply changes waiting in the outbox (after a crash, or if an update failed)."""
    try:
        with Session(db.engine) as session:
            session.info["skip_outbox"] = True
            applied = get_index().sync(session)
    except IndexBusyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Applied {applied} pending index updates.")


@index_cli.command("ensure")
def ensure():
    """Build the index if it is missing, otherwise apply pending changes (used by `make run`)."""
    index = get_index()
    if not index.exists():
        click.echo("No search index yet; building it.")
        with Session(db.engine) as session:
            count = index.rebuild(session)
        click.echo(f"Indexed {count} services.")
        return
    with Session(db.engine) as session:
        session.info["skip_outbox"] = True
        applied = index.sync(session)
    click.echo(f"Search index ready ({applied} pending updates applied).")
