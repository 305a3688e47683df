"""The ticket list at scale: Flask-Admin's /admin/ticket/ against a bare Flask route.

    python bench/bench_lists.py --tickets 1000000 --grids 100000
    python bench/bench_lists.py --quick            # small, for a sanity run

Builds (once, cached by size and seed) a SQLite database under bench/ with the
demo seeder, in a child process so this process measures only the app. Then,
in one run, with the Flask test client and a logged-in administrator, it
times round robin (interleaved, many repetitions):

- bare: a route this script registers on the app, behind the same login, that
  selects the same 20 tickets (newest first) with their category, grid,
  reporter and department names and renders them as a plain Jinja table;
- the /admin/ticket/ list page: default, filtered by status, filtered by grid
  (a community's code, with everything below it), searched for 漏水, sorted by
  created time, and page 500 of that sort;
- the dashboard and the monthly briefing of the whole district (pass mark
  10× bare) and of a street's command centre (5× bare).

It prints the median in ms (wall clock, as served, which sets the pass mark;
and this process's CPU time, steadier on a busy machine), the ratio to the
bare route, the SQL queries each page runs (counted through peewee's logger,
in a separate untimed pass) and this process's RSS. ``--explain`` prints each case's SQL with SQLite's query
plan; ``--profile CASE`` runs cProfile over that case.
"""

import argparse
import cProfile
import logging
import os
import pstats
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

PASSWORD = "bench-pass-1"
TARGET_RATIO = 2.0  # the ticket list's cases
SEARCH_RATIO = 3.0  # any other search (issue 13)
OTHER_LIST_RATIO = 2.5  # workers, grids, point entries, the audit log
DETAILS_RATIO = 4.0


# Figures pages (issue 10), read from the tally: their own pass marks.
FIGURES_TARGETS = {"dashboard: district": 10.0, "briefing: district": 10.0,
                   "dashboard: street centre": 5.0, "briefing: street centre": 5.0}


def target(label):
    if label in FIGURES_TARGETS:
        return FIGURES_TARGETS[label]
    if label.startswith("details"):
        return DETAILS_RATIO
    if ":" in label and not label.startswith("scoped"):
        return SEARCH_RATIO if "search" in label else OTHER_LIST_RATIO
    if label.startswith("search") and label not in ("search=漏水", "search miss=不存在词"):
        return SEARCH_RATIO
    return TARGET_RATIO
RSS_LIMIT_MB = 100

BARE_TEMPLATE = """<!doctype html>
<html><head><meta charset="utf-8"><title>工单</title></head><body>
<table>
<thead><tr><th>编号</th><th>标题</th><th>类别</th><th>网格</th><th>状态</th><th>优先级</th><th>上报人</th>
<th>部门</th><th>创建时间</th><th>期限</th></tr></thead>
<tbody>
{% for t in rows %}<tr><td><a href="/admin/ticket/details/?id={{ t.id }}">{{ t.number }}</a></td>
<td>{{ t.title }}</td><td>{{ t.category.name }}</td><td>{{ t.grid.name }}</td><td>{{ statuses[t.status] }}</td>
<td>{{ priorities[t.priority] }}</td><td>{{ t.reporter.name if t.reporter else "" }}</td>
<td>{{ t.department.name if t.department else "" }}</td>
<td>{{ t.created_at.strftime("%Y-%m-%d %H:%M") }}</td>
<td>{{ t.due_at.strftime("%Y-%m-%d %H:%M") if t.due_at else "" }}</td></tr>
{% endfor %}</tbody></table></body></html>"""


def db_path(tickets, grids, seed):
    return os.path.join(HERE, f"lists_t{tickets}_g{grids}_s{seed}.db")


def make_app(path):
    from gridadmin import create_app

    return create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench-secret"})


def build_here(path, tickets, grids, seed):
    """Create the schema, the administrator and the demo data (child process)."""
    from gridadmin import db as dbmod
    from gridadmin.models import db
    from gridadmin.services import demo
    from gridadmin.services.users import ensure_first_admin

    partial = path + ".partial"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(partial + suffix):
            os.remove(partial + suffix)
    app = make_app(partial)
    started = time.monotonic()
    with app.app_context():
        db.connect(reuse_if_open=True)
        dbmod.upgrade()
        ensure_first_admin(PASSWORD)
        summary = demo.seed(tickets=tickets, grids=grids, seed=seed, echo=print)
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
    elapsed = time.monotonic() - started
    os.replace(partial, path)
    for name, count in summary.items():
        print(f"  {name}: {count:,}")
    print(f"built {os.path.basename(path)} in {elapsed:.1f}s, peak RSS {peak_rss_mb():.0f} MB")


def upgrade_here(path):
    """A database built by an older version: apply its migrations and fill
    the tally from the tickets and their events; then fresh planner
    statistics, as `python app.py` takes on every start (child process)."""
    from gridadmin import db as dbmod
    from gridadmin.models import Tally, Ticket, db
    from gridadmin.services import planner, tally

    app = make_app(path)
    with app.app_context():
        db.connect(reuse_if_open=True)
        for name in dbmod.upgrade():
            print(f"  applied {name}")
        if Ticket.select().exists() and not Tally.select().exists():
            started = time.monotonic()
            print(f"  tally: {tally.rebuild(app.config['TIMEZONE']):,} cells in {time.monotonic() - started:.0f}s")
        planner.refresh()
        db.close()


def ensure_db(tickets, grids, seed, rebuild=False):
    path = db_path(tickets, grids, seed)
    if rebuild and os.path.exists(path):
        os.remove(path)
    if os.path.exists(path):
        print(f"reusing {os.path.relpath(path)} ({os.path.getsize(path) / 2**20:.0f} MB)")
        subprocess.run([sys.executable, os.path.abspath(__file__), "--upgrade-only", "--tickets", str(tickets),
                        "--grids", str(grids), "--seed", str(seed)], check=True)
        return path
    print(f"building {os.path.relpath(path)}: {tickets:,} tickets, {grids:,} grids …", flush=True)
    subprocess.run([sys.executable, os.path.abspath(__file__), "--build-only", "--tickets", str(tickets),
                    "--grids", str(grids), "--seed", str(seed)], check=True)
    return path


def rss_mb():
    return _status_kb("VmRSS") / 1024


def peak_rss_mb():
    return _status_kb("VmHWM") / 1024


def reset_peak_rss():
    """Start VmHWM again from the current RSS (Linux: clear_refs 5)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        pass


def _status_kb(key):
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


class QueryCounter(logging.Handler):
    """Counts (and keeps) the SQL peewee runs while enabled."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.queries = []

    def emit(self, record):
        if isinstance(record.msg, tuple):
            self.queries.append(record.msg)
        else:
            self.queries.append((record.getMessage(), ()))


def add_bare_route(app):
    from flask import render_template
    from flask_login import login_required
    from jinja2 import ChoiceLoader, DictLoader
    from peewee import JOIN

    from gridadmin.models import Category, Department, Grid, Ticket, Worker
    from gridadmin.models.ticket import PRIORITIES, TICKET_STATUSES

    statuses, priorities = dict(TICKET_STATUSES), dict(PRIORITIES)
    # A template file like any page's: compiled once, cached by Jinja.
    app.jinja_env.loader = ChoiceLoader([DictLoader({"bench_bare.html": BARE_TEMPLATE}), app.jinja_env.loader])

    @app.route("/bench/bare")
    @login_required
    def bench_bare():
        reporter, department = Worker.alias(), Department.alias()
        rows = (Ticket.select(Ticket, Category.name, Grid.name, reporter.name, department.name)
                # LEFT joins keep ticket the outer loop (SQLite reorders inner joins).
                .join(Category, on=(Ticket.category == Category.id), join_type=JOIN.LEFT_OUTER).switch(Ticket)
                .join(Grid, on=(Ticket.grid == Grid.id), join_type=JOIN.LEFT_OUTER).switch(Ticket)
                .join(reporter, on=(Ticket.reporter == reporter.id), join_type=JOIN.LEFT_OUTER,
                      attr="reporter").switch(Ticket)
                .join(department, on=(Ticket.department == department.id), join_type=JOIN.LEFT_OUTER,
                      attr="department")
                .order_by(Ticket.created_at.desc())
                .limit(20))
        return render_template("bench_bare.html", rows=list(rows), statuses=statuses, priorities=priorities)


def login(client, username="admin"):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                            "csrf_token": token.group(1) if token else ""})
    if response.status_code != 302:
        sys.exit(f"could not log in as {username}: " + response.get_data(as_text=True)[:500])


def ticket_view(app):
    from gridadmin.models import Ticket

    admin = app.extensions["admin"][0]
    return next(v for v in admin._views if getattr(v, "model", None) is Ticket)


def cases(app):
    from flask_admin.contrib.peewee.filters import FilterEqual

    from gridadmin.models import Grid, Ticket
    from gridadmin.web.filters import GridSubtreeFilter
    from gridadmin.web.views.ticket import OverdueFilter

    view = ticket_view(app)
    with app.test_request_context():
        view._refresh_filters_cache()
        args = view._filter_args
        status_arg = next(arg for arg, (_i, flt) in args.items()
                          if isinstance(flt, FilterEqual) and flt.column.name == "status")
        grid_arg = next(arg for arg, (_i, flt) in args.items() if isinstance(flt, GridSubtreeFilter))
        overdue_arg = next(arg for arg, (_i, flt) in args.items() if isinstance(flt, OverdueFilter))
        # A ticket that went the whole loop: its page shows a full timeline.
        rated = Ticket.select(Ticket.id).where(Ticket.status == "rated").order_by(Ticket.id.desc()).scalar()
        sort_idx = next(i for i, (name, _label) in enumerate(view._list_columns) if name == "created_at")
        communities = Grid.select(Grid.code).where(Grid.level == "community").order_by(Grid.id)
        community = communities.offset(communities.count() // 2).limit(1).scalar()
    base = "/admin/ticket/"
    samples = search_samples(app)
    return [
        ("bare", "/bench/bare", "admin"),
        ("default", base, "admin"),
        ("status=dispatched", f"{base}?flt0_{status_arg}=dispatched", "admin"),
        (f"grid={community}", f"{base}?flt0_{grid_arg}={community}", "admin"),
        ("search=漏水", f"{base}?search=漏水", "admin"),
        ("search miss=不存在词", f"{base}?search=不存在词", "admin"),
        ("search 1 char=漏", f"{base}?search=漏", "admin"),
        ("search 1 char rare=砖", f"{base}?search=砖", "admin"),
        ("search 2 chars=井盖", f"{base}?search=井盖", "admin"),
        ("search 5 chars=消火栓无水", f"{base}?search=消火栓无水", "admin"),
        ("search number", f"{base}?search={samples['number']}", "admin"),
        ("search number part", f"{base}?search={samples['number'][:8]}", "admin"),
        ("search mixed=" + samples["mixed"], f"{base}?search={samples['mixed']}", "admin"),
        ("search two words", f"{base}?search=漏水 {samples['mixed']}", "admin"),
        ("sort=created", f"{base}?sort={sort_idx}", "admin"),
        ("sort=created page 500", f"{base}?sort={sort_idx}&page=499", "admin"),
        # Not an administrator: a street's command centre sees its subtree only.
        ("scoped: street centre, default", base, SCOPED_USER),
        ("scoped: street centre, overdue", f"{base}?flt0_{overdue_arg}=1", SCOPED_USER),
        ("scoped: street centre, search=漏水", f"{base}?search=漏水", SCOPED_USER),
        # One ticket's page: timeline, photos, the steps the user may take.
        ("details of a rated ticket", f"{base}details/?id={rated}", "admin"),
        # Figures (issue 10), read from the tally: the whole district's
        # dashboard (this month, its 12-month trend) and last month's
        # briefing; then a street centre's.
        ("dashboard: district", "/admin/dashboard/", "admin"),
        ("briefing: district", "/admin/briefing/", "admin"),
        ("dashboard: street centre", "/admin/dashboard/", SCOPED_USER),
        ("briefing: street centre", "/admin/briefing/", SCOPED_USER),
        # The other large lists (target ≤ 2.5× the bare ticket page).
        ("workers: default", "/admin/worker/", "admin"),
        ("workers: search name", f"/admin/worker/?search={samples['worker']}", "admin"),
        ("workers: search mobile", f"/admin/worker/?search={samples['mobile']}", "admin"),
        ("workers: search mobile part", f"/admin/worker/?search={samples['mobile'][-5:]}", "admin"),
        ("workers: search miss", "/admin/worker/?search=不存在词", "admin"),
        ("grids: default", "/admin/grid/", "admin"),
        ("grids: search=社区", "/admin/grid/?search=社区", "admin"),
        ("grids: search miss", "/admin/grid/?search=不存在词", "admin"),
        ("point entries: default", "/admin/pointentry/", "admin"),
        ("audit log: default", "/admin/auditlog/", "admin"),
        ("audit log: search miss", "/admin/auditlog/?search=不存在词", "admin"),
    ]


def search_samples(app):
    """Terms taken from the data: a ticket's number, a worker's name and mobile."""
    from gridadmin.models import Ticket, Worker, db

    with app.app_context():
        db.connect(reuse_if_open=True)
        middle = Ticket.select(Ticket.id).order_by(Ticket.id.desc()).offset(400_000 % max(Ticket.select().count(), 1))
        number = Ticket.select(Ticket.number).where(Ticket.id == middle.limit(1)).scalar()
        worker = Worker.select(Worker.name, Worker.mobile).order_by(Worker.id).offset(1000).first() or \
            Worker.select().first()
        db.close()
    return {"number": number, "mixed": "12栋", "worker": worker.name, "mobile": worker.mobile}


SCOPED_USER = "bench-street-centre"


def ensure_scoped_user(app):
    """A command-centre user bound to a street in the middle of the tree."""
    from gridadmin.models import Grid, User, db
    from gridadmin.services import users

    with app.app_context():
        db.connect(reuse_if_open=True)
        if not User.select().where(User.username == SCOPED_USER).exists():
            streets = Grid.select().where(Grid.level == "street").order_by(Grid.id)
            street = streets.offset(streets.count() // 2).first()
            users.create_user(SCOPED_USER, PASSWORD, display_name="街道指挥中心", role="centre", grid=street)
        db.close()


def fetch(client, url):
    response = client.get(url)
    if response.status_code != 200:
        sys.exit(f"{url}: HTTP {response.status_code}\n{response.get_data(as_text=True)[:2000]}")
    return response


def count_rows(html):
    return html.count("<tr") - 1  # minus the header row (approximate for the admin page)


def explain(database, sql, params):
    try:
        return [row[-1] for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()]
    except Exception as error:  # noqa: BLE001 - a diagnostic print only
        return [f"(no plan: {error})"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--grids", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reps", type=int, default=40, help="timed requests per case")
    parser.add_argument("--quick", action="store_true", help="3,000 tickets, 200 grids, 20 repetitions")
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    parser.add_argument("--explain", action="store_true", help="print each case's SQL and query plan")
    parser.add_argument("--profile-sort", default="cumulative", help="pstats sort key for --profile (e.g. tottime)")
    parser.add_argument("--profile", metavar="CASE", help="cProfile one case (its label's first word)")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--upgrade-only", action="store_true", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.quick:
        opts.tickets, opts.grids, opts.reps = 3000, 200, 20

    if opts.build_only:
        build_here(db_path(opts.tickets, opts.grids, opts.seed), opts.tickets, opts.grids, opts.seed)
        return
    if opts.upgrade_only:
        upgrade_here(db_path(opts.tickets, opts.grids, opts.seed))
        return

    path = ensure_db(opts.tickets, opts.grids, opts.seed, rebuild=opts.rebuild)
    app = make_app(path)
    add_bare_route(app)
    ensure_scoped_user(app)
    clients = {"admin": app.test_client(), SCOPED_USER: app.test_client()}
    for username, client in clients.items():
        login(client, username)
    plan = cases(app)

    # Warm up (templates compiled, caches filled), and check each page works.
    for _label, url, who in plan:
        for _ in range(3):
            fetch(clients[who], url)

    # Queries per page, untimed.
    from gridadmin.models import db

    counter = QueryCounter()
    logger = logging.getLogger("peewee")
    old_level = logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    queries, rows, peaks = {}, {}, {}
    for label, url, who in plan:
        counter.queries = []
        reset_peak_rss()
        html = fetch(clients[who], url).get_data(as_text=True)
        peaks[label] = peak_rss_mb()
        queries[label] = list(counter.queries)
        rows[label] = count_rows(html)
    logger.removeHandler(counter)
    logger.setLevel(old_level)

    if opts.explain:
        db.connect(reuse_if_open=True)
        for label, _url, _who in plan:
            print(f"\n== {label}")
            for sql, params in queries[label]:
                print(f"  {sql}  {list(params)[:6]}")
                if sql.lstrip().upper().startswith("SELECT"):
                    for line in explain(db, sql, params):
                        print(f"      plan: {line}")
        db.close()

    if opts.profile:
        url, who = next((url, who) for label, url, who in plan
                        if label.split("=")[0].split()[0] == opts.profile or label == opts.profile)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(opts.reps):
            fetch(clients[who], url)
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats(opts.profile_sort)
        stats.print_stats(45)
        if os.environ.get("BENCH_CALLEES"):
            stats.print_callees(os.environ["BENCH_CALLEES"])
        return

    # Timed, round robin.
    times = {label: [] for label, _url, _who in plan}
    cpu = {label: [] for label, _url, _who in plan}
    for _rep in range(opts.reps):
        for label, url, who in plan:
            started, started_cpu = time.perf_counter(), time.process_time()
            fetch(clients[who], url)
            times[label].append((time.perf_counter() - started) * 1000)
            cpu[label].append((time.process_time() - started_cpu) * 1000)

    bare = statistics.median(times["bare"])
    bare_cpu = statistics.median(cpu["bare"])
    print(f"\n{opts.tickets:,} tickets, {opts.grids:,} grids; {opts.reps} requests per case, interleaved; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'case':<38}{'median ms':>10}{'p90 ms':>9}{'× bare':>8}{'cpu ms':>8}{'× bare':>8}"
          f"{'queries':>9}{'rows':>6}{'peak MB':>9}  ok")
    worst = 0.0
    for label, _url, _who in plan:
        median = statistics.median(times[label])
        p90 = sorted(times[label])[int(0.9 * (len(times[label]) - 1))]
        ratio = median / bare
        if label != "bare":
            worst = max(worst, ratio / target(label))
        ok = "" if label == "bare" else (f"≤{target(label)} " + ("yes" if ratio <= target(label) else "NO"))
        median_cpu = statistics.median(cpu[label])
        print(f"{label:<38}{median:>10.2f}{p90:>9.2f}{ratio:>8.2f}{median_cpu:>8.2f}{median_cpu / bare_cpu:>8.2f}"
              f"{len(queries[label]):>9}{rows[label]:>6}{peaks[label]:>9.0f}  {ok}")
    rss, peak = rss_mb(), peak_rss_mb()
    print(f"\nworst ratio/target {worst:.2f} (≤ 1 passes); app process RSS {rss:.0f} MB, "
          f"peak {peak:.0f} MB (limit {RSS_LIMIT_MB} MB)")
    if worst > 1 or peak > RSS_LIMIT_MB:
        sys.exit(1)


if __name__ == "__main__":
    main()
