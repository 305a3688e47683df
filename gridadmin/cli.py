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


# --- import and export ---------------------------------------------------------------

def _resource(name):
    from .services import resources

    resource = resources.get(name)
    if resource is None:
        raise click.BadParameter(f"unknown model {name}; one of: {', '.join(resources.RESOURCES)}")
    return resource


def _acting_user(username, resource=None):
    """The user named by --as (their role and scope apply), or None: the
    command line acts with an administrator's rights."""
    from .models import User
    from .services import imports

    if not username:
        return None
    user = User.get_or_none(User.username == username)
    if user is None or not user.active:
        raise click.ClickException(f"no active user named {username}")
    if resource is not None and not imports.may_import(user, resource):
        raise click.ClickException(f"{username} may not import {resource.name}")
    return user


LOCALE_OPTION = click.option("--locale", default="zh_Hans_CN", show_default=True,
                             type=click.Choice(["zh_Hans_CN", "zh_Hant_TW", "en"]),
                             help="Language of headers and messages.")


@click.command("import")
@with_appcontext
@click.argument("model")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Preview only: check every row, write nothing.")
@click.option("--as", "username", help="Import as this user (their scope and rights apply).")
@click.option("--errors", "error_file", type=click.Path(dir_okay=False),
              help="Write the file back with its bad cells marked (.xlsx).")
@LOCALE_OPTION
def import_command(model, file, dry_run, username, error_file, locale):
    """Import MODEL's records from FILE (.xlsx or .csv): all rows or none."""
    from flask import current_app

    from .services import imports

    resource = _resource(model)
    user = _acting_user(username, resource)
    report = imports.run(resource, file, user=user, tz=current_app.config["TIMEZONE"], locale=locale,
                         dry_run=dry_run, error_file=error_file, address="cli")
    for line in imports.summary(report, locale):
        click.echo(line)
    for error in report.errors:
        click.echo(imports.translate(locale, imports.N_("Row %(row)s"), row=error.row)
                   + (f" {error.column}" if error.column else "") + f": {error.message}", err=True)
    if report.error_count > len(report.errors):
        click.echo(imports.translate(locale, imports.N_("… and %(count)s more errors."),
                                     count=report.error_count - len(report.errors)), err=True)
    for name, password in report.passwords:
        click.echo(f"{name}\t{password}")
    if not report.ok:
        raise SystemExit(1)


@click.command("import-template")
@with_appcontext
@click.argument("model")
@click.argument("file", type=click.Path(dir_okay=False))
@LOCALE_OPTION
def import_template_command(model, file, locale):
    """Write MODEL's import template (.xlsx) to FILE."""
    from .services import exports

    resource = _resource(model)
    with open(file, "wb") as fh:
        exports.template(resource, locale, fh, lookups=exports.lookup_values(resource))
    click.echo(file)


@click.command("export")
@with_appcontext
@click.argument("model")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--as", "username", help="Export what this user sees (their scope applies).")
@LOCALE_OPTION
def export_command(model, file, username, locale):
    """Export MODEL's records to FILE (.xlsx or .csv), in the form the import reads."""
    import shutil

    from flask import current_app

    from .models import db
    from .services import audit, exports, imports, permissions, scope, spreadsheets

    resource = _resource(model)
    kind = spreadsheets.kind_of(file)
    if kind is None:
        raise click.BadParameter("FILE must end in .xlsx or .csv")
    user = _acting_user(username)
    if user is not None and not permissions.allowed(user, resource.name, permissions.EXPORT):
        raise click.ClickException(f"{username} may not export {resource.name}")
    allowed = permissions.visible_columns(user, resource.name) if user is not None else None
    model = resource.model
    query = scope.visible(model, user or imports.SYSTEM).order_by(model.id)
    table = exports.query_rows(resource, query, locale, current_app.config["TIMEZONE"], allowed=allowed,
                               text=kind == spreadsheets.CSV)
    out = exports.write(kind, table, title=imports.translate(locale, resource.title))
    with open(file, "wb") as fh:
        if kind == spreadsheets.CSV:
            for chunk in out:
                fh.write(chunk)
        else:
            shutil.copyfileobj(out, fh)
    with db.atomic():
        audit.record("export", user=user, username=None if user else "(cli)", address="cli",
                     changes={"view": [None, resource.name]})
    click.echo(file)


@click.group("stats")
def stats_group():
    """Figures: the tally kept with each workflow step."""


@stats_group.command("rebuild")
def stats_rebuild_command():
    """Recompute the tally from the tickets and their events."""
    from flask import current_app

    from .services import tally

    cells = tally.rebuild(current_app.config["TIMEZONE"], echo=click.echo)
    click.echo(f"tally rebuilt: {cells:,} cells")


@stats_group.command("check")
def stats_check_command():
    """Compare the tally with a rebuild; exit 1 on any difference."""
    from flask import current_app

    from .services import tally

    differences = tally.check(current_app.config["TIMEZONE"])
    for cell, stored, rebuilt in differences[:50]:
        click.echo(f"{cell}: stored {stored}, rebuilt {rebuilt}")
    if differences:
        click.echo(f"{len(differences):,} cells differ; run `flask stats rebuild`")
        raise SystemExit(1)
    click.echo("tally ok: equal to a rebuild from the event log")


@click.group("search")
def search_group():
    """The search index of the large lists."""


def _indexed_models(names):
    from .services import search

    by_table = {search.table(model): model for model in search.INDEXED}
    unknown = [name for name in names if name not in by_table]
    if unknown:
        raise click.ClickException(f"not indexed: {', '.join(unknown)} (indexed: {', '.join(sorted(by_table))})")
    return [by_table[name] for name in names] or None


@search_group.command("rebuild")
@click.argument("tables", nargs=-1)
@with_appcontext
def search_rebuild_command(tables):
    """Index every row of TABLES (default: all indexed tables) again."""
    from .services import search

    for model, count in search.rebuild(_indexed_models(tables)).items():
        click.echo(f"{search.table(model)}: {count} rows indexed")


@search_group.command("check")
@click.argument("tables", nargs=-1)
@click.option("--sample", type=int, default=None, help="Check the text of this many random rows per table.")
@with_appcontext
def search_check_command(tables, sample):
    """Compare the index with each table; exit status 1 when they differ."""
    from .services import search

    failed = False
    for model in _indexed_models(tables) or search.INDEXED:
        problems = search.check(model, sample=sample)
        bad = {name: ids for name, ids in problems.items() if ids}
        failed = failed or bool(bad)
        detail = "; ".join(f"{name} {len(ids)} (e.g. {ids[:5]})" for name, ids in bad.items()) or "ok"
        click.echo(f"{search.table(model)}: {detail}")
    if failed:
        raise click.ClickException("the search index differs from its tables: run `flask --app app search rebuild`")


def init_app(app):
    app.cli.add_command(search_group)
    app.cli.add_command(stats_group)
    app.cli.add_command(import_boundaries_command)
    app.cli.add_command(import_command)
    app.cli.add_command(import_template_command)
    app.cli.add_command(export_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(set_password_command)
    app.cli.add_command(seed_demo_command)
