"""`python app.py` serves from several processes on Linux; first-start work
(migrations, the first administrator) runs once, and the daily backup once
a day, made after the workers are forked."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

from gridadmin import serve

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PREPARE = """
import json, sys
from gridadmin import create_app, serve
app = create_app({"DATABASE_URL": sys.argv[1], "SECRET_KEY": "k", "ADMIN_PASSWORD": None})
applied, password, filled = serve.prepare(app, log=lambda *a: None)
print(json.dumps({"applied": len(applied), "admin": password is not None,
                  "filled": sum(filled.values())}))
"""


def test_workers_setting():
    assert serve.workers_setting("3", platform="linux") == 3
    assert serve.workers_setting("", platform="linux") == (os.cpu_count() or 1)
    assert serve.workers_setting("zero", platform="linux") == (os.cpu_count() or 1)
    assert serve.workers_setting("8", platform="win32") == 1


def test_first_start_work_runs_once_when_processes_start_together(tmp_path):
    url = f"sqlite:///{tmp_path}/together.db"
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("GRIDADMIN_ADMIN_PASSWORD", None)
    procs = [subprocess.Popen([sys.executable, "-c", PREPARE, url], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sorted(r["applied"] > 0 for r in results) == [False, False, False, True], results
    assert sum(r["admin"] for r in results) == 1, results
    assert sum(r["filled"] > 0 for r in results) == 1, results


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid):
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(name))
    return found


def test_python_app_py_serves_from_several_processes(tmp_path):
    if sys.platform.startswith("win"):
        return
    port = _free_port()
    env = dict(os.environ, GRIDADMIN_DATABASE_URL=f"sqlite:///{tmp_path}/multi.db", GRIDADMIN_PORT=str(port),
               GRIDADMIN_SECRET_KEY="k", GRIDADMIN_WORKERS="3", GRIDADMIN_BACKUP_DIR=str(tmp_path / "backups"),
               PYTHONUNBUFFERED="1")
    env.pop("GRIDADMIN_ADMIN_PASSWORD", None)
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "serving on" in line:
                break
        assert "(3 processes)" in lines[-1], "".join(lines)
        served = 0
        while served < 6 and time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10) as response:
                    assert response.status == 200 and 'name="username"' in response.read().decode("utf-8")
                    served += 1
            except OSError:
                time.sleep(0.2)
        assert served == 6
        while len(_children(proc.pid)) < 3 and time.time() < deadline:
            time.sleep(0.2)
        assert len(_children(proc.pid)) == 3
        # One daily backup, made by one of the three workers (a lock beside the database).
        while not os.listdir(tmp_path / "backups") if (tmp_path / "backups").exists() else True:
            if time.time() > deadline:
                break
            time.sleep(0.2)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
        lines.append(out)
    output = "".join(lines)
    assert output.count("password:") == 1, output
    assert output.count("applied migration: 0001_initial") == 1, output
    assert output.count("backup written and verified") == 1, output
    assert len(os.listdir(tmp_path / "backups")) == 1



def test_gunicorn_workers_start_the_backup_thread_after_the_fork(monkeypatch, tmp_path):
    """No thread of the starting process may be inside SQLite when gunicorn
    forks a worker (then or on any later restart): the worker would inherit
    SQLite's locks held and wait forever on its first connection. The
    backup thread is started by each worker, after the fork."""
    from gridadmin import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/wiring.db", "SECRET_KEY": "k"})
    calls = []

    def fake_gunicorn(app, host, port, workers, post_worker_init=None, **kwargs):
        calls.append("fork")
        post_worker_init(object())  # what gunicorn calls in each new worker

    monkeypatch.setattr(serve, "prepare", lambda app: None)
    monkeypatch.setattr(serve, "workers_setting", lambda: 2)
    monkeypatch.setattr(serve, "start_backups", lambda app: calls.append("backup thread"))
    monkeypatch.setattr(serve, "serve_gunicorn", fake_gunicorn)
    serve.main(app)
    assert calls == ["fork", "backup thread"]
