"""Imports: template → filled → preview → import, all or nothing, row errors
in the user's language, encodings, trees in any order, scope, undo."""

import csv
import io

from gridadmin.models import Grid, ImportLog
from gridadmin.services import imports, resources


def write_csv(path, rows, encoding="utf-8"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def run(name, path, **kw):
    kw.setdefault("dry_run", False)
    return imports.run(resources.get(name), str(path), **kw)


def test_grid_tree_child_before_parent(database, tmp_path):
    path = write_csv(tmp_path / "grids.csv", [
        ["代码", "名称", "上级代码", "层级"],
        ["320102001001G1", "第一网格", "320102001001", ""],
        ["320102001001", "新街口社区", "320102001", ""],
        ["320102001", "玄武门街道", "320102", ""],
        ["320102", "玄武区", "", ""],
    ])
    preview = run("grid", path, dry_run=True)
    assert preview.ok, preview.errors
    assert (preview.created, preview.updated, preview.unchanged) == (4, 0, 0)
    assert Grid.select().count() == 0
    report = run("grid", path)
    assert report.ok, report.errors
    g1 = Grid.get(Grid.code == "320102001001G1")
    assert g1.level == "grid" and g1.depth == 3
    assert g1.parent.parent.parent.code == "320102"
    assert g1.path == f"/{g1.parent.parent.parent.id}/{g1.parent.parent.id}/{g1.parent.id}/{g1.id}/"
    again = run("grid", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert again.log is None
    assert ImportLog.select().count() == 1
