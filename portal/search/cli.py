"""``flask index rebuild``, ``flask index sync``, ``flask index ensure`` and ``flask index follow``.

Each takes the index's writer lock; if another process holds it, the command waits up to its
``--wait`` seconds and then stops with a clear message (exit code 1) instead of corrupting anything.
"""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from ..extensions import db
from ..session_context import using
from .index import WRITE_TIMEOUT, IndexBusyError
from .service import get_index

index_cli = AppGroup("index", help="Maintain the search index.")
_wait = click.option("--wait", type=float, default=WRITE_TIMEOUT, show_default=True,
                     help="Seconds to wait for another process writing the index.")


@index_cli.command("rebuild")
@_wait
def rebuild(wait):
    """Rebuild the whole index from the database (written aside, then swapped in)."""
    try:
        with Session(db.engine) as session, using(session, skip_outbox=True), \
                click.progressbar(length=1, label="Indexing services") as bar:

            def progress(done, total):
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            count = get_index().rebuild(session, progress=progress, timeout=wait)
    except IndexBusyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Indexed {count} services.")


@index_cli.command("sync")
@_wait
def sync(wait):
    """Follow the change feed once: apply what this host's index has not applied yet."""
    try:
        with Session(db.engine) as session, using(session, skip_outbox=True):
            applied = get_index().sync(session, timeout=wait)
    except IndexBusyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Applied {applied} pending index updates.")


@index_cli.command("ensure")
@_wait
def ensure(wait):
    """Build the index if it is missing or outdated, otherwise apply pending changes (`make run`)."""
    index = get_index()
    try:
        with Session(db.engine) as session, using(session, skip_outbox=True):
            if index.needs_rebuild():
                click.echo("The search index is missing or from an older version; building it.")
                count = index.rebuild(session, timeout=wait)
                click.echo(f"Indexed {count} services.")
                return
            applied = index.sync(session, timeout=wait)
        index.write_sidecars(timeout=wait)
    except IndexBusyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Search index ready ({applied} pending updates applied).")


@index_cli.command("follow")
@click.option("--every", type=float, default=1.0, show_default=True,
              help="Seconds between two looks at the change feed.")
def follow(every):
    """Keep this host's index following the change feed (a worker process per host; Ctrl+C stops)."""
    from .outbox import follow_every

    click.echo(f"Following the change feed every {every:g} s.")
    try:
        follow_every(every)
    except KeyboardInterrupt:
        pass
