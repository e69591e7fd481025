"""``flask referrals escalate``: flag overdue referrals and expire unanswered ones (run it from cron,
e.g. every hour on working days)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..common import utcnow
from ..extensions import db
from .operations import configured_due_table, escalate

referrals_cli = AppGroup("referrals", help="Referral housekeeping.")


@referrals_cli.command("escalate")
def escalate_command():
    """Notify both sides and the area's coordinators about overdue referrals; expire unanswered ones."""
    grace = current_app.config.get("REFERRAL_EXPIRE_GRACE_WORKING_DAYS", 5)
    flagged, expired = escalate(utcnow(), configured_due_table(), grace)
    db.session.commit()
    # Counts only: never client data in the output.
    click.echo(f"Overdue referrals flagged: {flagged}; expired: {expired}.")
