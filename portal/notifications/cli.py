import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from .operations import deliver_pending

mail_cli = AppGroup("mail", help="The mail outbox.")


@mail_cli.command("send")
def send():
    """Deliver mail waiting in the outbox (failed messages stay queued for the next run)."""
    # Committed per message (the command's batch is one mail): a sent mail is never sent again.
    sent, failed = deliver_pending(current_app.config, after_each=db.session.commit)
    click.echo(f"Sent {sent} messages, {failed} failed and stay queued.")
    if failed:
        raise SystemExit(1)
