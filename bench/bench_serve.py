"""Requests per second at 20 concurrent clients against the default ticket
list, served by `python app.py` with one process (waitress, as on Windows)
and with the default number of worker processes (gunicorn, one per core),
in the same run, on the bench_lists.py database.

    python bench/bench_serve.py                      # 1,000,000 tickets (bench_lists.py builds it)
    python bench/bench_serve.py --tickets 3000 --grids 200 --seconds 10

Each server is started as `python app.py` on the database (first start work
done already), a logged-in session is shared by the clients (threads with
keep-alive connections), and each configuration is warmed up, then measured
for ``--seconds``. Prints requests/s, median and p90 latency, the cores the
server's processes used and the clients used (the clients are threads of
this process on the same machine: on two cores what they take is not the
server's), the server's CPU time per request, its peak RSS a process, and
the load average before and after each configuration.
"""

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from bench_lists import PASSWORD, db_path, ensure_db  # noqa: E402


def _tree(pid):
    """pid and all its descendants (Linux /proc)."""
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def _cpu_seconds(pids):
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return total


def _peak_mb(pids):
    peak = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]) / 1024)
        except OSError:
            pass
    return peak


def login(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    body = urllib.parse.urlencode({"username": "admin", "password": PASSWORD, "csrf_token": token.group(1)})
    conn.request("POST", "/login", body=body, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                       "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    if response.status != 302:
        sys.exit(f"could not log in: HTTP {response.status}")
    return response.getheader("Set-Cookie", "").split(";")[0] or cookie


def backup_folder():
    """The servers' backup folder, with today's backup marked as made (an
    empty file by its name): the daily copy of a 3 GB database and its
    integrity check would run in the measured process, and each server
    stopped mid-copy left it half-written."""
    from gridadmin.services import backups

    folder = os.path.join(HERE, "serve_backups")
    os.makedirs(folder, exist_ok=True)
    if not backups.made_today(folder):
        open(os.path.join(folder, backups.backup_name()), "w").close()
    return folder


def start(path, port, workers):
    env = dict(os.environ, GRIDADMIN_DATABASE_URL=f"sqlite:///{path}", GRIDADMIN_PORT=str(port),
               GRIDADMIN_SECRET_KEY="bench-serve-secret", GRIDADMIN_WORKERS=str(workers),
               GRIDADMIN_BACKUP_DIR=backup_folder(), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stdout.readline()
        if "serving on" in line:
            break
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # drain
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    sys.exit("server did not start")


def run_clients(port, cookie, url, clients, seconds):
    latencies, errors = [], []
    stop = time.time() + seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.time() < stop:
            started = time.perf_counter()
            try:
                conn.request("GET", url, headers={"Cookie": cookie})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors.append(response.status)
                latencies.append((time.perf_counter() - started) * 1000)
            except (OSError, http.client.HTTPException) as error:
                errors.append(str(error))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.time() - began


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--grids", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--port", type=int, default=5113)
    parser.add_argument("--url", default="/admin/ticket/")
    opts = parser.parse_args()
    path = ensure_db(opts.tickets, opts.grids, opts.seed)
    assert path == db_path(opts.tickets, opts.grids, opts.seed)
    default_workers = os.cpu_count() or 1
    results = []
    for label, workers in (("1 process (waitress)", 1), (f"{default_workers} processes (default)", 0)):
        proc = start(path, opts.port, workers)
        try:
            cookie = login(opts.port)
            run_clients(opts.port, cookie, opts.url, opts.clients, min(5.0, opts.seconds / 3))  # warm up
            pids = _tree(proc.pid)
            cpu_before, client_before, load_before = _cpu_seconds(pids), time.process_time(), os.getloadavg()[0]
            latencies, errors, elapsed = run_clients(opts.port, cookie, opts.url, opts.clients, opts.seconds)
            cpu = _cpu_seconds(pids) - cpu_before
            # The clients run in this process, on the same cores: what they
            # took is not the server's to use (a browser is elsewhere).
            client = time.process_time() - client_before
            peak = _peak_mb(pids)
            load = (load_before, os.getloadavg()[0])
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        latencies.sort()
        results.append((label, len(latencies) / elapsed, statistics.median(latencies),
                        latencies[int(0.9 * (len(latencies) - 1))], cpu / elapsed, client / elapsed,
                        cpu / max(len(latencies), 1) * 1000, peak, len(errors), load))
    print(f"\n{opts.tickets:,} tickets; {opts.clients} concurrent clients, {opts.seconds:.0f} s each, GET {opts.url}; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(f"{'server':<28}{'req/s':>8}{'median ms':>11}{'p90 ms':>9}{'cores used':>12}{'clients':>9}"
          f"{'CPU ms/req':>12}{'peak MB/proc':>14}{'errors':>8}{'load avg':>14}")
    for label, rps, median, p90, cores, client, per_request, peak, errors, load in results:
        print(f"{label:<28}{rps:>8.1f}{median:>11.1f}{p90:>9.1f}{cores:>12.2f}{client:>9.2f}{per_request:>12.1f}"
              f"{peak:>14.0f}{errors:>8}{load[0]:>7.1f}→{load[1]:<5.1f}")
    print(f"\nspeed-up {results[1][1] / results[0][1]:.2f}×")


if __name__ == "__main__":
    main()
