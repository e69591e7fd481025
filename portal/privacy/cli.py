"""``flask privacy purge``: the retention job (run it daily from cron, see docs/deploy.md).

Dry run by default: it prints how many records each rule would erase, nothing else. ``--apply``
erases them and commits once at the end. Counts only in the output: never client data.
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..search.feed import settings as feed_settings
from .operations import purge
from .retention import RetentionPolicy

privacy_cli = AppGroup("privacy", help="Retention and erasure of personal data.")

_LABELS = {
    "closed_referrals": "closed referrals: free text and care plan erased",
    "inactive_clients": "inactive clients: contact details and referral text erased",
    "notifications": "notifications deleted",
    "sent_mail": "sent mail deleted",
    "access_log_rows": "access-log rows: the person removed",
    "feed_rows": "search change-feed rows pruned",
}


@privacy_cli.command("purge")
@click.option("--apply", "apply_", is_flag=True, help="Erase for real (default: only count).")
def purge_command(apply_):
    """Erase personal data older than its retention period (RETENTION_* settings)."""
    policy = RetentionPolicy.from_config(current_app.config)
    feed_days, _gap = feed_settings(current_app.config)
    counts = purge(policy, apply=apply_, feed_days=feed_days)
    if apply_:
        db.session.commit()
    else:
        db.session.rollback()
    click.echo("Erased:" if apply_ else "Dry run (nothing changed; add --apply to erase):")
    for name, value in counts.as_dict().items():
        click.echo(f"  {_LABELS[name]}: {value}")
