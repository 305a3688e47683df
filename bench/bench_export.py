"""The ticket list exported: 100,000 tickets as .xlsx and .csv, timed.

    python bench/bench_export.py                 # 100,000 tickets
    python bench/bench_export.py --tickets 5000  # a quick run

Builds (once, cached by size) ``bench/export_t<tickets>.db`` with the demo
seeder in a child process, then, in a fresh child process per format, asks
the app for ``/admin/ticket/export/<format>/`` as a logged-in administrator
(the list's own export: scoped, filtered, audited) and reads the whole
response. Prints the wall time, the rows written and the process's peak RSS;
exits 1 past 15 s or 300 MB.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import time

from bench_lists import peak_rss_mb  # bench/ is the script's own folder

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
TIME_LIMIT_S, RSS_LIMIT_MB = 15, 300
PASSWORD = "bench-pass-1"


def build(path, tickets):
    from gridadmin import create_app
    from gridadmin import db as dbmod
    from gridadmin.models import User, db
    from gridadmin.services import demo, users

    app = create_app({"DATABASE_URL": f"sqlite:///{path}.partial", "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        db.connect()
        dbmod.upgrade()
        demo.seed(tickets=tickets, grids=400, echo=print)
        User.create(username="bench", password_hash=users.hash_password(PASSWORD), role="admin")
        db.close()
    os.replace(f"{path}.partial", path)


def measure(path, kind):
    from gridadmin import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench", "TESTING": True,
                      "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    client.post("/login", data={"username": "bench", "password": PASSWORD})
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(f"/admin/ticket/export/{kind}/")
    size = 0
    rows = 0
    for chunk in response.response:
        size += len(chunk)
        if kind == "csv":
            rows += chunk.count(b"\n")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = peak_rss_mb()
    if kind == "xlsx":  # counted after the peak is read: the check loads the file
        from python_calamine import CalamineWorkbook

        response = client.get("/admin/ticket/export/xlsx/")
        data = io.BytesIO(response.get_data())
        rows = sum(1 for _ in CalamineWorkbook.from_filelike(data).get_sheet_by_index(0).iter_rows())
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rows": rows - 1, "bytes": size, "peak_mb": peak,
                      "status": response.status_code}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--measure", choices=("xlsx", "csv"), help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(args.database, args.measure)
    path = os.path.join(HERE, f"export_t{args.tickets}.db")
    if not os.path.exists(path):
        started = time.perf_counter()
        build(path, args.tickets)
        print(f"built {path} in {time.perf_counter() - started:.0f}s")
    failed = False
    print(f"{'format':<7} {'seconds':>8} {'CPU s':>6} {'rows':>9} {'MB out':>7} {'peak MB':>8}")
    for kind in ("xlsx", "csv"):
        out = subprocess.run([sys.executable, __file__, "--measure", kind, "--database", path],
                             capture_output=True, text=True, check=False)
        if out.returncode:
            sys.stderr.write(out.stderr)
            return out.returncode
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{kind:<7} {result['seconds']:8.1f} {result['cpu']:6.1f} {result['rows']:9,} {result['bytes'] / 1e6:7.1f} "
              f"{result['peak_mb']:8.0f}")
        failed |= result["seconds"] > TIME_LIMIT_S or result["peak_mb"] > RSS_LIMIT_MB
        failed |= result["rows"] < args.tickets
    print(f"targets: {TIME_LIMIT_S} s and {RSS_LIMIT_MB} MB per export: {'missed' if failed else 'met'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
