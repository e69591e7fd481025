"""``flask matching purge-profiles``: delete the stored match profiles that have expired (run it from
cron, e.g. hourly; a request that finds an expired profile deletes it too)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from .stored import purge_expired

matching_cli = AppGroup("matching", help="Matching housekeeping.")


@matching_cli.command("purge-profiles")
def purge_profiles_command():
    """Delete expired stored match profiles."""
    count = purge_expired(db.session)
    db.session.commit()
    click.echo(f"Expired match profiles deleted: {count}.")  # a count only, never profile data
