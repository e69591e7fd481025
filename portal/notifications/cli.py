import click
from flask import current_app
from flask.cli import AppGroup

from .operations import deliver_pending

mail_cli = AppGroup("mail", help="The mail outbox.")


@mail_cli.command("send")
def send():
    """Deliver mail waiting in the outbox (failed messages stay queued for the next run)."""
    sent, failed = deliver_pending(current_app.config)
    click.echo(f"Sent {sent} messages, {failed} failed and stay queued.")
    if failed:
        raise SystemExit(1)
