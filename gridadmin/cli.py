"""Command-line tools: users and demo data (database commands live in db.py)."""

import sys

import click
from flask.cli import with_appcontext

from .services import users
from .services.errors import RuleError


def _read_password(password, password_stdin):
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return password or click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice(users.ROLE_NAMES), default="admin", show_default=True)
@click.option("--grid", "grid_code", help="Grid node code (centre, secretary, worker, viewer).")
@click.option("--department", "department_code", help="Department code (department).")
@click.option("--team", "team_name", help="Volunteer team name (volunteer).")
@click.option("--password", help="The new user's password (at least 8 characters).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--display-name", default=None)
def create_user_command(username, role, grid_code, department_code, team_name, password, password_stdin,
                        display_name):
    """Create a user who can log in, with a role and its binding."""
    password = _read_password(password, password_stdin)
    try:
        binding = users.find_binding(grid_code, department_code, team_name)
        users.create_user(username, password, display_name=display_name, role=role, **binding)
    except RuleError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created user {username} ({role})")


@click.command("set-password")
@with_appcontext
@click.argument("username")
@click.option("--password", help="The new password (at least 8 characters).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password_command(username, password, password_stdin):
    """Set a user's password; their existing sessions end."""
    from .models import User, db
    from .services import audit

    user = User.get_or_none(User.username == username)
    if user is None:
        raise click.ClickException(f"no user named {username}")
    password = _read_password(password, password_stdin)
    try:
        with db.atomic():
            users.set_password(user, password)
            audit.record("password", obj=user, username="(cli)", address="cli")
    except RuleError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"password changed for {username}")


@click.command("seed-demo")
@with_appcontext
@click.option("--tickets", "ticket_count", default=5000, show_default=True, help="How many tickets to create.")
@click.option("--grids", "grid_count", default=None, type=int, help="Roughly how many grids (default: a realistic district).")
@click.option("--seed", default=2026, show_default=True, help="Random seed, for repeatable data.")
def seed_demo_command(ticket_count, grid_count, seed):
    """Fill the database with a realistic demo district."""
    from .services import demo

    try:
        summary = demo.seed(tickets=ticket_count, grids=grid_count, seed=seed, echo=click.echo)
    except RuleError as error:
        raise click.ClickException(str(error)) from None
    for name, count in summary.items():
        click.echo(f"{name}: {count}")


@click.command("import-boundaries")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", help="Import as this user (an administrator, or a command centre for its "
                                       "subtree); without it, any grid.")
@click.option("--check", is_flag=True, help="Check the file and print what it matches, writing nothing.")
def import_boundaries_command(path, username, check):
    """Import grid boundaries from a GeoJSON file: one Polygon or MultiPolygon
    feature per grid, matched by its "code" property (WGS-84). All or nothing."""
    from .models import User
    from .services import boundaries

    user = None
    if username:
        user = User.get_or_none((User.username == username) & User.active)
        if user is None:
            raise click.ClickException(f"no active user named {username}")
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        matches = boundaries.import_file(data, user, address="cli", username=username or "(cli)", dry_run=check)
    except boundaries.Refused as refused:
        for problem in refused.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(str(refused)) from None
    except RuleError as error:
        raise click.ClickException(str(error)) from None
    for match in matches:
        click.echo(f"feature {match.number}: {match.grid.code} {match.grid.name}: {match.outcome} "
                   f"({match.geometry['type']}, {match.vertices} points)")
    outcomes = [m.outcome for m in matches]
    summary = ", ".join(f"{outcomes.count(o)} {o}" for o in ("created", "updated", "unchanged"))
    click.echo(f"{len(matches)} boundaries matched: {summary}" + (" (checked only, nothing written)" if check else ""))


def init_app(app):
    app.cli.add_command(import_boundaries_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(set_password_command)
    app.cli.add_command(seed_demo_command)
