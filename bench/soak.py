"""Soak test: writes through the web forms while the server is killed.

    python bench/soak.py [--seconds 120] [--kills 10] [--clients 8]

Starts waitress (8 threads) on a fresh SQLite database on loopback, drives
``--clients`` concurrent clients that log in and keep saving through the
web forms (new grid workers and new ticket reports, which take numbers
from the day's counter), kills the server with SIGKILL ``--kills`` times at random moments
and restarts it each time. At the end it runs ``PRAGMA integrity_check``
and checks that every write acknowledged to a client (the form's redirect
after a save) is in the database exactly once. Prints acknowledged, lost
and duplicated counts; exits non-zero unless 0 lost and 0 duplicated.

A client never re-sends a write it got no answer for (its result is
unknown, not acknowledged): it goes on with a new one.
"""

import argparse
import http.cookiejar
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "Soak-test-pass-2026"
SERVER = ("import sys; from waitress import serve; from gridadmin import create_app; "
          "serve(create_app(), host='127.0.0.1', port=int(sys.argv[1]), threads=8, _quiet=True)")
SETUP = """
from datetime import date
from gridadmin import create_app
from gridadmin.models import Category, Grid, Source, db
from gridadmin.services import grids
app = create_app()
with app.app_context():
    db.connect()
    g = grids.save_grid
    d = g(Grid(code="320106", name="示例区", level="district"))
    s = g(Grid(code="320106001", name="示例街道", level="street", parent=d))
    c = g(Grid(code="320106001001", name="示例社区", level="community", parent=s))
    grid = g(Grid(code="320106001001001", name="第一网格", level="grid", parent=c))
    Category.create(code="env", name="环境卫生")
    Source.create(code="patrol", name="网格员巡查")
    print(grid.id, Category.get().id, Source.get().id)
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env, port):
        self.env, self.port, self.proc = env, port, None

    def start(self):
        self.proc = subprocess.Popen([sys.executable, "-c", SERVER, str(self.port)], cwd=ROOT, env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("the server did not start")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client(threading.Thread):
    """One person saving through the forms, until told to stop."""

    def __init__(self, number, base, ids, stop):
        super().__init__(daemon=True)
        self.number, self.base, self.ids, self.stop = number, base, ids, stop
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.acknowledged = {"worker": [], "ticket": []}
        self.unknown = 0
        self.token = None

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=15) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:  # 302 lands here (no redirects followed)
            return error.code, error.headers, error.read().decode(errors="replace")

    def ensure_login(self):
        if self.token:
            return
        status, _headers, page = self.request("/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        status, _headers, _page = self.request("/login", {"username": "admin", "password": PASSWORD,
                                                         "csrf_token": token})
        if status != 302:
            raise OSError(f"login answered {status}")
        _status, _headers, page = self.request("/admin/worker/new/")
        self.token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    def save(self, kind, serial):
        grid, category, source = self.ids
        name = f"c{self.number}-{kind}-{serial}"
        if kind == "worker":
            data = {"name": name, "gender": "M", "mobile": "13800000000", "grid": grid, "post": "full",
                    "employment": "full_time", "status": "active"}
        else:
            data = {"title": name, "category": category, "source": source, "grid": grid, "priority": "normal"}
        status, headers, _page = self.request(f"/admin/{kind}/new/", {**data, "csrf_token": self.token})
        if status == 302 and "/new/" not in headers.get("Location", ""):
            self.acknowledged[kind].append(name)
        elif status >= 500:
            raise OSError(f"{kind} answered {status}")

    def run(self):
        serial = 0
        while not self.stop.is_set():
            serial += 1
            try:
                self.ensure_login()
                self.save("worker" if serial % 2 else "ticket", serial)
            except (OSError, urllib.error.URLError, ConnectionError, AttributeError):
                self.unknown += 1  # the server is down, or died mid-request: result unknown, never re-sent
                time.sleep(0.2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    folder = tempfile.mkdtemp(prefix="gridadmin-soak-")
    path = os.path.join(folder, "soak.db")
    env = {**os.environ, "GRIDADMIN_DATABASE_URL": f"sqlite:///{path}", "GRIDADMIN_SECRET_KEY": "soak",
           "GRIDADMIN_ADMIN_PASSWORD": PASSWORD, "GRIDADMIN_BACKUP_DIR": os.path.join(folder, "backups")}
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "init-db"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    ids = subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True,
                         text=True).stdout.split()
    port = free_port()
    server = Server(env, port)
    server.start()
    stop = threading.Event()
    clients = [Client(n, f"http://127.0.0.1:{port}", ids, stop) for n in range(args.clients)]
    for client in clients:
        client.start()
    started = time.monotonic()
    moments = sorted(rng.uniform(0.05, 0.95) * args.seconds for _ in range(args.kills))
    for moment in moments:
        time.sleep(max(0.0, started + moment - time.monotonic()))
        server.kill()
        server.start()
    time.sleep(max(0.0, started + args.seconds - time.monotonic()))
    stop.set()
    for client in clients:
        client.join(30)
    server.kill()

    conn = sqlite3.connect(path)
    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    acknowledged = lost = duplicated = 0
    for kind, table, column in (("worker", "worker", "name"), ("ticket", "ticket", "title")):
        names = [name for client in clients for name in client.acknowledged[kind]]
        counts = dict(conn.execute(f"SELECT {column}, COUNT(*) FROM {table} GROUP BY {column}").fetchall())
        acknowledged += len(names)
        lost += sum(1 for name in names if counts.get(name, 0) == 0)
        duplicated += sum(1 for count in counts.values() if count > 1)
    numbers = conn.execute("SELECT COUNT(*), COUNT(DISTINCT number) FROM ticket").fetchone()
    conn.close()
    unknown = sum(client.unknown for client in clients)
    print(f"clients {args.clients}, {args.seconds:.0f} s, server killed {args.kills} times")
    print(f"integrity_check: {integrity}")
    print(f"acknowledged writes: {acknowledged}; lost: {lost}; duplicated: {duplicated}")
    print(f"ticket numbers: {numbers[0]} tickets, {numbers[1]} distinct; requests with no answer: {unknown}")
    return 0 if integrity == "ok" and lost == 0 and duplicated == 0 and numbers[0] == numbers[1] else 1


if __name__ == "__main__":
    sys.exit(main())
