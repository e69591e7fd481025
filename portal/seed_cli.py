"""``flask seed …``: load demo data (a fictional city with its care services and demo users)."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

seed_cli = AppGroup("seed", help="Load demo data (演示数据): a fictional city, its services and demo users.")


@seed_cli.command("demo")
@click.option("--refresh", is_flag=True,
              help="Reset seeded records to the data files (undoes demo edits to them). "
                   "Without it, only what is missing is added.")
@click.option("--quiet", "-q", is_flag=True, help="Print one summary line instead of counts and logins.")
def demo(refresh: bool, quiet: bool) -> None:
    """Load the demo data, or top it up; safe to run again (same rows, no duplicates).

    Does not touch the search index: run "flask index rebuild" (or "ensure") afterwards."""
    from seed.loader import DEMO_USERS, load_demo

    try:
        counts = load_demo(db.session, refresh=refresh)
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        raise click.ClickException(
            f"loading the demo data failed: {exc.__class__.__name__}: {_first_line(exc)}\n"
            "Is the database schema up to date? Run `flask db upgrade` first."
        ) from exc
    except Exception as exc:  # a broken data file or a rule of the accounts module
        db.session.rollback()
        raise click.ClickException(f"loading the demo data failed: {exc.__class__.__name__}: {exc}") from exc

    action = "reset to the data files" if refresh else "loaded (missing records added, present ones kept)"
    if quiet:
        click.echo(f"Demo data {action}: {counts['organizations']} organisations, "
                   f"{counts['services']} services, {counts['users']} demo users.")
        return
    click.echo(f"Demo data {action}:")
    width = max(len(name) for name in counts)
    for name, count in counts.items():
        click.echo(f"  {name:<{width}}  {count}")
    click.echo("\nDemo users (demo-only passwords, never use them elsewhere):")
    for user in DEMO_USERS:
        click.echo(f"  {user.email:<26} {user.password:<24} {','.join(user.roles):<12} {user.description}")
    click.echo("\nThe search index is not updated by this command: run `flask index rebuild`.")


@seed_cli.command("history")
def history() -> None:
    """Add a year of demo referrals (every state, overdue ones, follow-ups) to a database that has
    none, so the board, the inbox and the reports show something, then the people behind them (case
    records, follow-up series, crises, refer-backs, service access facts). Run after "flask seed demo"."""
    from sqlalchemy import func, select

    from seed.history import load_history

    from .referrals.models import Referral

    from seed.person import load_person_demo

    if db.session.scalar(select(func.count()).select_from(Referral)):
        click.echo("Demo history: the database already has referrals; left as it is.")
        return
    try:
        counts = load_history(db.session)
        person = load_person_demo(db.session)
        db.session.commit()
    except Exception as exc:  # a rule of the referral operations, or missing demo data
        db.session.rollback()
        raise click.ClickException(f"adding the demo history failed: {exc.__class__.__name__}: {exc}") from exc
    total = sum(counts.values())
    click.echo(f"Demo history: {total} referrals over the last 12 months (" +
               ", ".join(f"{status} {n}" for status, n in counts.items()) + ").")
    for part, made in person.items():
        click.echo(f"  {part}: " + ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in made.items()))


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc).splitlines()[0]
