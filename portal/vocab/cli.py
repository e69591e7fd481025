"""``flask vocab install [--refresh]`` and ``flask vocab crosswalk``."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db

vocab_cli = AppGroup("vocab", help="The portal's own vocabularies and the crosswalk from imported taxonomies.")


@vocab_cli.command("install")
@click.option("--refresh", is_flag=True, help="Also bring edited labels and order back to the data file.")
def install_command(refresh: bool) -> None:
    """Install the vocabularies and the shipped crosswalk rows (only what is missing; safe to repeat)."""
    from .install import install

    counts = install(db.session, refresh=refresh)
    db.session.commit()
    click.echo("Vocabularies installed: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@vocab_cli.command("crosswalk")
def crosswalk_command() -> None:
    """Map every service's imported terms again (after editing the crosswalk) and infer categories
    for services that have none; prints the category coverage and the unmapped terms."""
    from ..crosswalk.operations import apply_crosswalk
    from ..directory.models import Service
    from ..search.outbox import apply_pending

    summary, changed = apply_crosswalk(db.session, db.session.scalars(select(Service.id)).all())
    db.session.commit()
    apply_pending()
    for line in summary.lines():
        click.echo(line)
    click.echo(f"services changed: {len(changed)}")
