"""The country's division codes as grids: preview and import, timed apart.

    python bench/bench_import.py                 # ≈ 664,000 rows (3,000 / 40,000 / 620,000 + provinces' worth)
    python bench/bench_import.py --rows 20000    # a quick run

Generates (once, cached by size) ``bench/divisions_<rows>.csv``: synthetic
统计用区划代码 of the national file's shape, as a plain CSV of code, name and
parent code (6-digit districts, 9-digit streets and towns, 12-digit
communities and villages, in code order). Then, each phase in a fresh child
process on a fresh SQLite database (so each peak RSS is its own):

- preview: ``imports.run(..., dry_run=True)`` — reads, checks, writes nothing;
- import: ``imports.run(..., dry_run=False)`` — reads, checks and writes in one transaction;
- re-import: the same file again, which must change nothing.

Prints each phase's wall time and peak RSS; exits 1 when a phase misses its
target (60 s, 300 MB) or the re-import changes anything.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

from bench_lists import peak_rss_mb  # bench/ is the script's own folder

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

DISTRICTS, STREETS, COMMUNITIES = 3_000, 40_000, 620_000
TIME_LIMIT_S, RSS_LIMIT_MB = 60, 300


def generate(path, rows):
    """District, street and community codes in the national file's proportions."""
    scale = rows / (DISTRICTS + STREETS + COMMUNITIES)
    districts = max(1, round(DISTRICTS * scale))
    streets = max(districts, round(STREETS * scale))
    communities = max(streets, round(COMMUNITIES * scale))
    with open(path + ".partial", "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["code", "name", "parent_code"])
        street_no = community_no = 0
        for d in range(districts):
            district = f"{110101 + d:06d}"
            out.writerow([district, f"第{d + 1}区", ""])
            n_streets = streets // districts + (1 if d < streets % districts else 0)
            for s in range(n_streets):
                street = f"{district}{s + 1:03d}"
                out.writerow([street, f"{district}区第{s + 1}街道", district])
                n_comm = communities // streets + (1 if street_no < communities % streets else 0)
                street_no += 1
                for c in range(n_comm):
                    community_no += 1
                    out.writerow([f"{street}{c + 1:03d}", f"第{s + 1}街道第{c + 1}社区", street])
    os.replace(path + ".partial", path)
    return districts + street_no + community_no


def phase(database, path, dry_run):
    """One phase in this (child) process: prints a JSON line."""
    from gridadmin import create_app
    from gridadmin.models import db
    from gridadmin.services import imports, resources

    app = create_app({"DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        db.connect(reuse_if_open=True)
        started, cpu = time.perf_counter(), time.process_time()
        report = imports.run(resources.get("grid"), path, dry_run=dry_run)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = peak_rss_mb()
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak, "created": report.created, "updated": report.updated,
                      "unchanged": report.unchanged, "errors": report.error_count,
                      "first_errors": [str(e) for e in report.errors[:5]]}))


def child(database, path, dry_run):
    out = subprocess.run([sys.executable, __file__, "--phase", "preview" if dry_run else "import",
                          "--database", database, "--file", path], capture_output=True, text=True, check=False)
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise SystemExit(out.returncode)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=DISTRICTS + STREETS + COMMUNITIES)
    parser.add_argument("--phase", choices=("preview", "import"), help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        return phase(args.database, args.file, args.phase == "preview")

    path = os.path.join(HERE, f"divisions_{args.rows}.csv")
    if not os.path.exists(path):
        started = time.perf_counter()
        count = generate(path, args.rows)
        print(f"generated {path}: {count:,} rows in {time.perf_counter() - started:.1f}s")
    rows = sum(1 for _ in open(path, encoding="utf-8")) - 1
    print(f"file: {path} ({rows:,} rows, {os.path.getsize(path) / 1e6:.1f} MB)")

    with tempfile.TemporaryDirectory() as tmp:
        database = os.path.join(tmp, "bench.db")
        from gridadmin import create_app
        from gridadmin import db as dbmod
        from gridadmin.models import db

        create_app({"DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "bench", "TESTING": True})
        db.connect()
        dbmod.upgrade()
        db.close()
        failed = False
        print(f"{'phase':<10} {'seconds':>8} {'CPU s':>6} {'peak MB':>8} {'created':>9} {'updated':>8} {'unchanged':>9}")
        for name, dry_run in (("preview", True), ("import", False), ("re-import", False)):
            result = child(database, path, dry_run)
            print(f"{name:<10} {result['seconds']:8.1f} {result['cpu']:6.1f} {result['peak_mb']:8.0f} {result['created']:9,} "
                  f"{result['updated']:8,} {result['unchanged']:9,}")
            if result["errors"]:
                print(f"  {result['errors']} errors: {result['first_errors']}")
                failed = True
            failed |= result["seconds"] > TIME_LIMIT_S or result["peak_mb"] > RSS_LIMIT_MB
            if name == "re-import":
                failed |= result["created"] + result["updated"] != 0
        print(f"targets: each phase at most {TIME_LIMIT_S} s and {RSS_LIMIT_MB} MB; "
              f"a re-import changes nothing: {'missed' if failed else 'met'}")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
