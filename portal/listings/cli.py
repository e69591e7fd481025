"""``flask listings remind``: each agency gets a digest of its stale listings through the mail outbox."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..directory.freshness import configured_stale_after_days
from ..extensions import db
from .reminders import queue_stale_digests

listings_cli = AppGroup("listings", help="Keeping listings current.")


@listings_cli.command("remind")
@click.option("--dry-run", is_flag=True, help="Count what would be sent; queue nothing.")
def remind(dry_run: bool):
    """Queue one digest per agency user listing their organisation's stale listings (deliver with
    'flask mail send')."""
    days = configured_stale_after_days()
    result = queue_stale_digests(days, base_url=current_app.config.get("PORTAL_BASE_URL", ""))
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "Would queue" if dry_run else "Queued"
    click.echo(f"{verb} {result.messages} digest(s) for {result.organizations} organisation(s) with "
               f"{result.listings} listing(s) not confirmed for more than {days} days; "
               f"{result.without_recipient} organisation(s) have no active agency user.")
