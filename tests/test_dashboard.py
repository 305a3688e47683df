"""The dashboard: who may open it, its figures and their drill-downs, the
node picker within scope, bad periods and codes; the leaders' home page."""

import re

from gridadmin.models import User
from gridadmin.services import dashboard, stats
from tests.conftest import client_for
from tests.test_briefing import NOW, OCT, TZ, month, month_web  # noqa: F401 - fixtures


def _html(response):
    return response.get_data(as_text=True)


def test_dashboard_figures_over_the_hand_built_month(month):  # noqa: F811
    data = dashboard.compute(month["street"], OCT, stats.add_months(OCT, 1), TZ, NOW)
    f = data["figures"]
    assert (f["reported"], f["accepted"], f["closed"], f["overdue"]) == (8, 4, 2, 2)
    assert f["closure_rate"] == 2 / 3 and f["satisfaction_rate"] == 1 / 2
    assert [t["month"] for t in data["trend"]][-1] == "2026-10" and len(data["trend"]) == 12
    assert data["trend"][-1]["reported"] == 8 and data["trend"][-2]["reported"] == 0
    assert [(c["name"], c["reported"]) for c in data["children"]] == [("新街口社区", 8)]
    assert [(d["name"], d["dispatched"]) for d in data["departments"]] == [("城管局", 5)]
    year = dashboard.compute(month["street"], *stats.parse_period("2026"), TZ, NOW)
    assert year["figures"]["reported"] == 9  # October and November


def test_worker_and_secretary_cannot_open_the_dashboard(app, month_web):  # noqa: F811
    assert client_for(app, month_web["wuser"]).get("/admin/dashboard/").status_code == 403
    secretary = User.create(username="s", password_hash="x", role="secretary", grid=month_web["community"])
    assert client_for(app, secretary).get("/admin/dashboard/").status_code == 403


def test_dashboard_numbers_link_to_exactly_their_tickets(app, month_web):  # noqa: F811
    client = client_for(app, month_web["centre"])
    response = client.get("/admin/dashboard/?period=2026-10")
    assert response.status_code == 200
    html = _html(response)
    assert "echarts.common.min.js" in html and 'data-chart=' in html and "cdn" not in html.lower()
    cards = re.findall(r'data-figure="(\w+)"><a href="([^"]+)">([\d,]+)</a>', html)
    assert {name for name, _u, _n in cards} >= {"reported", "accepted", "closed", "overdue"}
    links = cards + [("row", u, n) for u, n in re.findall(
        r'<td class="text-right"><a href="(/admin/ticket/[^"]+)">([\d,]+)</a></td>', html)]
    assert len(links) > 10
    for name, url, number in links:
        if "dispatched" in url:
            continue  # counted per dispatch; listed per ticket
        listed = set(re.findall(r"/admin/ticket/details/\?id=(\d+)", _html(client.get(url.replace("&amp;", "&")))))
        assert len(listed) == int(number.replace(",", "")), (name, url)


def test_dashboard_node_picker_stays_within_scope(app, month_web):  # noqa: F811
    client = client_for(app, month_web["centre"])
    inside = _html(client.get(f"/admin/dashboard/?period=2026-10&grid={month_web['community'].code}"))
    assert month_web["community"].name in inside.split("</h1>")[0]
    outside = client.get(f"/admin/dashboard/?period=2026-10&grid={month_web['other_street'].code}")
    assert outside.status_code == 200
    assert month_web["other_street"].name not in _html(outside).split("</h1>")[0]
    for query in ("period=2026-13", "period=abc", "period=1800", "grid=' OR 1=1", "grid=999999999999999999999"):
        response = client.get(f"/admin/dashboard/?{query}")
        assert response.status_code == 200, query
        assert "alert" in _html(response)


def test_viewer_home_shows_headline_figures(app, month_web):  # noqa: F811
    client = client_for(app, month_web["viewer"])
    home = _html(client.get("/admin/"))
    assert 'id="home-headline"' in home and "/admin/dashboard/" in home
    assert 'id="todo-queues"' not in home


def test_admin_edits_the_ranking_weights_others_cannot(app, month_web, browser):  # noqa: F811
    from gridadmin.models.stats import BriefingSettings
    from gridadmin.services import briefings

    listing = browser.get("/admin/briefingsettings/")
    assert listing.status_code == 200
    row = BriefingSettings.select().first() or briefings.settings()
    url = f"/admin/briefingsettings/edit/?id={row.id}"
    page = _html(browser.get(url))
    version = re.search(r'name="version"[^>]*value="(\d+)"', page) or re.search(r'value="(\d+)"[^>]*name="version"', page)
    response = browser.post_form(url, {"weight_volume": "0.1", "weight_closure": "0.4", "weight_ontime": "0.3",
                                       "weight_rework": "0.2", "min_due": "3",
                                       "version": version.group(1) if version else "0"})
    assert response.status_code == 302, _html(response)[:3000]
    assert briefings.settings().min_due == 3
    assert client_for(app, month_web["centre"]).get("/admin/briefingsettings/").status_code == 403


def test_a_new_install_without_grids_is_told_what_to_do(app, browser):
    """No grid tree yet: the figures pages send the administrator home with
    what to do first (not a 404)."""
    for url in ("/admin/dashboard/", "/admin/briefing/", "/admin/briefing/?print=1", "/admin/briefing/xlsx/"):
        response = browser.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/admin/"), url
        home = _html(browser.get("/admin/"))
        assert "尚无网格：请先导入或新建网格树。" in home, url
