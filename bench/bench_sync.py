"""What synchronous=FULL costs a save, against NORMAL, side by side.

    python bench/bench_sync.py [--saves 400]

Two SQLite databases in one temporary folder, the same schema and rows;
each round saves one edit of a grid worker through the versioned save
(``services.records.save``: one UPDATE and its audit entry, one commit) in
each, alternating, so both see the same disk and the same noise. Prints the
median and p90 milliseconds per save and the ratio FULL / NORMAL.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gridadmin import db as dbmod  # noqa: E402
from gridadmin.models import Grid, Worker, db  # noqa: E402
from gridadmin.services import audit, grids, records  # noqa: E402


def prepare(path, synchronous):
    database = dbmod.bind(f"sqlite:///{path}")
    database.connect()
    database.execute_sql(f"PRAGMA synchronous = {synchronous}")
    dbmod.upgrade()
    district = grids.save_grid(Grid(code="320106", name="示例区", level="district"))
    worker = Worker.create(name="王五", gender="M", mobile="13800000000", grid=district)
    database.close()
    return database, worker.id


def one_save(database, synchronous, worker_id, n):
    db.initialize(database)
    database.connect()
    database.execute_sql(f"PRAGMA synchronous = {synchronous}")
    worker = Worker.get_by_id(worker_id)
    before = audit.snapshot(worker)
    started = time.perf_counter()
    with db.atomic():
        worker.mobile = f"138{n:08d}"
        records.save(worker, False)
        audit.record("update", obj=worker, changes=audit.diff(before, audit.snapshot(worker)))
    elapsed = time.perf_counter() - started
    database.close()
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=400)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="gridadmin-sync-")
    setups = {mode: prepare(os.path.join(folder, f"{mode}.db"), mode) for mode in ("NORMAL", "FULL")}
    times = {mode: [] for mode in setups}
    for n in range(args.saves):
        for mode, (database, worker_id) in setups.items():
            times[mode].append(one_save(database, mode, worker_id, n))
    print(f"{args.saves} saves each, alternating, in {folder}")
    for mode, values in times.items():
        ms = sorted(v * 1000 for v in values)
        print(f"synchronous={mode:6}  median {statistics.median(ms):6.2f} ms   p90 {ms[int(len(ms) * 0.9)]:6.2f} ms")
    ratio = statistics.median(times["FULL"]) / statistics.median(times["NORMAL"])
    print(f"FULL / NORMAL (median): {ratio:.2f}")


if __name__ == "__main__":
    main()
