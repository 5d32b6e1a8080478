"""`flask accounts create-admin EMAIL`: the first administrator (then admins grant moderator
rights in the web interface, /moderation/team)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from directory import moderation
from directory.accounts import MAX_PASSWORD, MIN_PASSWORD, find_account
from directory.db import get_database

accounts_cli = AppGroup("accounts", help="Accounts and roles.")


def _check_password(value: str) -> str:
    if not MIN_PASSWORD <= len(value) <= MAX_PASSWORD:
        raise click.BadParameter(f"the password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters.")
    return value


@accounts_cli.command("create-admin")
@click.argument("email")
def create_admin_command(email: str) -> None:
    """Create a confirmed admin account for EMAIL (asks for its password twice), or make the
    existing account of EMAIL an admin."""
    if "@" not in email or email.strip() != email or len(email) > 254:
        raise click.ClickException(f"'{email}' is not an e-mail address")
    with get_database().session_scope() as session:
        password = None
        if find_account(session, email) is None:
            password = click.prompt(
                "Password",
                hide_input=True,
                confirmation_prompt=True,
                value_proc=_check_password,
            )
        account, created = moderation.make_admin(session, email, password)
        session.commit()
        click.echo(
            f"{'Created' if created else 'Promoted'} {account.email}: admin, address confirmed."
        )
