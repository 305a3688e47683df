"""The search index (services/search.py): the indexed search returns exactly
the literal search's rows in the list's order, on SQLite and PostgreSQL; the
index follows create, edit, import, delete and raw SQL; rebuild and check."""

import csv
import io
import random

import factories as f
import pytest

from gridadmin.models import Ticket, Worker, db
from gridadmin.services import imports, resources, search, setup

PIECES = ["漏水", "噪音", "小区", "路灯", "井盖", "垃圾", "停车", "楼道", "水", "电", "东", "门",
          "%", "_", "a", "B", "ab", "Ab", "x_y", "50%", "12", "138", "0", "7", "号楼", "单元", " ", "-"]


def _text(rng, pieces=4):
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, pieces)))


@pytest.fixture
def tickets(database):
    rng = random.Random(13)
    t = f.tree()
    category, source = f.category(), f.source()
    for i in range(300):
        f.ticket(t["g1"], category=category, source=source, number=f"2026{rng.randint(1000, 9999)}-{i:04d}",
                 title=_text(rng) or "事件", place=_text(rng) if rng.random() < 0.8 else None)
    return rng


def _terms(rng):
    """Words from the rows, pieces of them, misses, wildcards, 1-3+ characters."""
    terms = ["漏水", "水", "小区漏水", "不存在词", "%", "_", "50%", "x_y", "AB", "ab", "a", "13", "2026", "-00",
             "号", "号楼1", "楼道漏", "%_", "水电", "东门", "Ab水"]
    rows = list(Ticket.select(Ticket.number, Ticket.title, Ticket.place).tuples())
    for _ in range(60):
        text = rng.choice([v for v in rng.choice(rows) if v] or ["x"])
        start = rng.randrange(len(text))
        terms.append(text[start:start + rng.randint(1, 4)].strip() or "水")
    return terms


def _ids(query):
    return [row[0] for row in query.select(Ticket.id).tuples()]


def test_indexed_search_equals_literal_search(tickets):
    fields = [Ticket.number, Ticket.title, Ticket.place]
    base = Ticket.select().order_by(Ticket.created_at.desc(), Ticket.id.desc())
    terms = _terms(tickets)
    searches = terms + [f"{a} {b}" for a, b in zip(terms[::2], terms[1::2], strict=False)]
    narrowed = 0
    for text in searches:
        words = text.split()
        literal = _ids(base.where(search.literal(fields, words)))
        assert search.narrowing(Ticket, fields, words, adaptive=False) is not None
        fast = _ids(search.search(base, Ticket, fields, words, adaptive=False))
        assert fast == literal, text
        # The index alone is a superset of the literal rows (never misses one).
        candidates = set(_ids(Ticket.select().where(search.candidates(Ticket, words))))
        assert set(literal) <= candidates, text
        narrowed += len(candidates) < Ticket.select().count()
    assert narrowed > len(searches) // 2  # and it does narrow
    # Adaptive (SQLite walks the list for common words): the same rows.
    for text in searches[:20]:
        words = text.split()
        assert _ids(search.search(base, Ticket, fields, words)) == _ids(base.where(search.literal(fields, words)))


def test_leaving_out_common_tokens_keeps_the_rows(tickets, monkeypatch):
    """Tokens most rows hold are left out of the index query (a hint counted
    per process): the rows stay the literal search's."""
    fields = [Ticket.number, Ticket.title, Ticket.place]
    base = Ticket.select().order_by(Ticket.created_at.desc(), Ticket.id.desc())
    monkeypatch.setattr(search, "COMMON", 20)
    monkeypatch.setattr(search, "_frequencies", {})
    left_out = 0
    for text in _terms(tickets) + ["2026 漏水", "小区漏水楼道"]:
        words = text.split()
        if search.is_sqlite():
            needed = set().union(*(search.tokens(w) for w in words))
            left_out += len(search.match_expression(words, Ticket).split()) < len(needed)
        fast = _ids(search.search(base, Ticket, fields, words, adaptive=False))
        assert fast == _ids(base.where(search.literal(fields, words))), text
    assert left_out or not search.is_sqlite()


def test_check_finds_nothing_wrong_then_finds_a_broken_index(tickets):
    assert search.check(Ticket) == {"missing": [], "extra": [], "stale": []}
    victim = Ticket.select().order_by(Ticket.id).first()
    if search.is_sqlite():
        s = search.index_table(Ticket)
        db.execute_sql(f"INSERT INTO {s}({s}) VALUES ('delete-all')")
        db.execute_sql(f"INSERT INTO {s}(rowid, grams) VALUES (?, '')", (victim.id,))
    else:
        db.execute_sql(f"DELETE FROM {search.index_table(Ticket)} WHERE id <> %s", (victim.id,))
        db.execute_sql(f"UPDATE {search.index_table(Ticket)} SET grams = '{{}}'")
    problems = search.check(Ticket)
    assert victim.id not in problems["missing"] and len(problems["missing"]) == Ticket.select().count() - 1
    assert problems["stale"] == [victim.id]
    search.rebuild([Ticket])
    assert search.check(Ticket) == {"missing": [], "extra": [], "stale": []}


def _found(model, fields, word):
    return [row[0] for row in search.search(model.select(model.id).order_by(model.id), model, fields, [word],
                                            adaptive=False).tuples()]


def test_index_follows_create_edit_raw_update_and_delete(database):
    t = f.tree()
    ticket = f.ticket(t["g1"], title="三号楼楼道漏水", place="幸福小区")
    fields = [Ticket.number, Ticket.title, Ticket.place]
    assert _found(Ticket, fields, "漏水") == [ticket.id]
    assert _found(Ticket, fields, "幸") == [ticket.id]
    ticket.title = "路灯不亮"
    ticket.save()
    assert _found(Ticket, fields, "漏水") == []
    assert _found(Ticket, fields, "路灯") == [ticket.id]
    Ticket.update(place="和平小区").where(Ticket.id == ticket.id).execute()
    assert _found(Ticket, fields, "幸福") == [] and _found(Ticket, fields, "和平小") == [ticket.id]
    with db.atomic() as txn:  # a rolled back edit leaves the index as it was
        Ticket.update(title="井盖缺失").where(Ticket.id == ticket.id).execute()
        assert _found(Ticket, fields, "井盖") == [ticket.id]
        txn.rollback()
    assert _found(Ticket, fields, "井盖") == [] and _found(Ticket, fields, "路灯") == [ticket.id]
    ticket.delete_instance()
    assert _found(Ticket, fields, "路灯") == []
    assert search.check(Ticket) == {"missing": [], "extra": [], "stale": []}


def test_index_follows_an_import(database, tmp_path):
    setup.fill_dictionaries()
    f.tree()
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["姓名", "性别", "手机号", "网格"],
                                  ["欧阳娜娜", "女", "13912345678", "320102001001G1"],
                                  ["司马光", "男", "13987654321", "320102001001G1"]])
    path = tmp_path / "workers.csv"
    path.write_bytes(buffer.getvalue().encode())
    report = imports.run(resources.get("worker"), str(path), dry_run=False)
    assert report.ok, report.errors
    fields = [Worker.name, Worker.mobile]
    ouyang = Worker.get(Worker.name == "欧阳娜娜")
    assert _found(Worker, fields, "阳娜") == [ouyang.id]
    assert _found(Worker, fields, "45678") == [ouyang.id]
    assert _found(Worker, fields, "马") == [Worker.get(Worker.name == "司马光").id]
    for model in search.INDEXED:
        assert search.check(model) == {"missing": [], "extra": [], "stale": []}


def test_the_list_page_searches_through_the_index(database, app):
    t = f.tree()
    hit = f.ticket(t["g1"], title="楼道漏水", place="五十%小区")
    f.ticket(t["g1"], title="路灯不亮", place="五十一小区")
    client = app.test_client()
    _login(client)
    for term, expected in (("漏水", [hit]), ("%", [hit]), ("不存在词", []), ("十%", [hit])):
        html = client.get("/admin/ticket/", query_string={"search": term}).get_data(as_text=True)
        shown = [t.number for t in Ticket.select() if t.number in html]
        assert shown == [x.number for x in expected], term


def _login(client):
    from conftest import ADMIN_PASSWORD, csrf_token

    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_rebuild_and_check_commands(tickets, app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    assert "ticket: ok" in result.output
    if search.is_sqlite():
        s = search.index_table(Ticket)
        db.execute_sql(f"INSERT INTO {s}({s}) VALUES ('delete-all')")
    else:
        db.execute_sql(f"TRUNCATE {search.index_table(Ticket)}")
    result = runner.invoke(args=["search", "check", "ticket"])
    assert result.exit_code == 1 and "missing 300" in result.output
    result = runner.invoke(args=["search", "rebuild", "ticket"])
    assert result.exit_code == 0 and "ticket: 300 rows indexed" in result.output
    assert runner.invoke(args=["search", "check", "--sample", "50"]).exit_code == 0
    assert runner.invoke(args=["search", "rebuild", "nosuchtable"]).exit_code != 0


def test_common_words_walk_the_list_rare_ones_use_the_index(database):
    t = f.tree()
    for n in range(6):
        f.ticket(t["g1"], title=f"楼道漏水{n}")
    f.ticket(t["g1"], title="井盖缺失")
    fields = [Ticket.number, Ticket.title, Ticket.place]
    if not search.is_sqlite():  # PostgreSQL's planner chooses
        assert search.narrowing(Ticket, fields, ["漏水"]) is not None
        return
    assert search.dense(Ticket, ["漏水"], limit=6) and not search.dense(Ticket, ["漏水"], limit=7)
    assert not search.dense(Ticket, ["井盖"], limit=2)
    assert search.narrowing(Ticket, fields, ["井盖"]) is not None
    assert search.narrowing(Ticket, [Ticket.number, Ticket.grid], ["井盖"]) is None  # a field it does not hold
