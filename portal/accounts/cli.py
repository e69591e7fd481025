"""``flask users …`` and ``flask tokens …``."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from .models import ROLES, ApiToken, User
from .operations import (
    AccountError,
    create_token,
    create_user,
    normalise_email,
    reset_password,
    revoke_token,
    set_active,
    set_password,
)

users_cli = AppGroup("users", help="Manage user accounts.")
tokens_cli = AppGroup("tokens", help="Manage API tokens for other systems.")


def _user_by_email(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No user with the email {email}.")
    return user


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES),
              help="Repeat for several roles.")
@click.option("--organization-id", default=None, help="Required for worker and agency users.")
@click.option("--area-code", default=None, help="Area a coordinator looks after.")
@click.password_option(help="Prompted for when not given.")
def create_user_command(email, name, roles, organization_id, area_code, password):
    """Create a user."""
    from ..directory.models import Area, Organization

    if organization_id and db.session.get(Organization, organization_id) is None:
        raise click.ClickException(f"No organisation with id {organization_id}.")
    area_id = None
    if area_code:
        area = db.session.scalar(select(Area).where(Area.code == area_code))
        if area is None:
            raise click.ClickException(f"No area with code {area_code}.")
        area_id = area.id
    try:
        user = create_user(email, name, password, roles, organization_id=organization_id, area_id=area_id)
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created user {user.email} with roles {', '.join(sorted(user.roles))}.")


@users_cli.command("set-password")
@click.option("--email", required=True)
@click.password_option(help="Prompted for when not given.")
def set_password_command(email, password):
    """Set a user's password (signs out their other sessions)."""
    user = _user_by_email(email)
    try:
        set_password(user, password)
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Password of {user.email} changed; their other sessions are signed out.")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_command(email):
    """Deactivate a user: no sign-in, no API tokens, their sessions end."""
    _set_active(email, False, "deactivated", "inactive")


@users_cli.command("reactivate")
@click.argument("email")
def reactivate_command(email):
    """Let a deactivated user sign in again."""
    _set_active(email, True, "reactivated", "active")


def _set_active(email: str, active: bool, done: str, already: str) -> None:
    user = _user_by_email(email)
    changed = set_active(user, active)
    db.session.commit()
    click.echo(f"{user.email} {done}." if changed else f"{user.email} was already {already}.")


@users_cli.command("reset-password")
@click.argument("email")
def reset_password_command(email):
    """Give a user a new random password, printed once on the terminal (never logged)."""
    user = _user_by_email(email)
    password = reset_password(user)
    db.session.commit()
    click.echo(password)
    click.echo(f"New password for {user.email} (shown once); their other sessions are signed out.", err=True)


@users_cli.command("list")
def list_users():
    """List users and their roles."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        state = "active" if user.active else "inactive"
        click.echo(f"{user.email}\t{','.join(sorted(user.roles))}\t{state}")


@tokens_cli.command("create")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--days", default=None, type=int, help="Lifetime in days (default from API_TOKEN_DAYS).")
@click.option("--name", default=None, help="What the token is for, e.g. the calling system.")
def create_token_command(email, days, name):
    """Create a bearer token and print it once."""
    user = _user_by_email(email)
    try:
        token, secret = create_token(user, days or current_app.config["API_TOKEN_DAYS"], name)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(secret)
    click.echo(f"token id {token.id}, expires {token.expires_at:%Y-%m-%d}; it is shown only once.", err=True)


@tokens_cli.command("list")
@click.option("--email", default=None)
def list_tokens(email):
    """List tokens (never their secrets)."""
    query = select(ApiToken).order_by(ApiToken.id)
    if email:
        query = query.where(ApiToken.user_id == _user_by_email(email).id)
    for token in db.session.scalars(query):
        state = "revoked" if token.revoked_at else ("valid" if token.is_valid() else "expired")
        click.echo(f"{token.id}\t{token.user.email}\t{token.prefix}…\t{token.expires_at:%Y-%m-%d}\t{state}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token_command(token_id):
    """Revoke a token by its id."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"No token with id {token_id}.")
    revoke_token(token)
    db.session.commit()
    click.echo(f"Token {token_id} revoked.")
