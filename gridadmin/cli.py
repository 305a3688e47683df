"""Command-line tools: users and demo data (database commands live in db.py)."""

import sys

import click
from flask.cli import with_appcontext

from .services import users
from .services.errors import RuleError


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--password", help="The new user's password (at least 8 characters).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--display-name", default=None)
def create_user_command(username, password, password_stdin, display_name):
    """Create a user who can log in."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        users.create_user(username, password, display_name=display_name)
    except RuleError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created user {username}")


@click.command("seed-demo")
@with_appcontext
@click.option("--tickets", "ticket_count", default=5000, show_default=True, help="How many tickets to create.")
@click.option("--grids", "grid_count", default=None, type=int, help="Roughly how many grids (default: a realistic district).")
@click.option("--seed", default=2026, show_default=True, help="Random seed, for repeatable data.")
def seed_demo_command(ticket_count, grid_count, seed):
    """Fill the database with a realistic demo district."""
    from .services import demo

    summary = demo.seed(tickets=ticket_count, grids=grid_count, seed=seed, echo=click.echo)
    for name, count in summary.items():
        click.echo(f"{name}: {count}")


def init_app(app):
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
