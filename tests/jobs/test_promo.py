"""jobs.promo: the 《宣传促销品签收单》 and the receipts it records go together."""

from __future__ import annotations

import sqlite3

import pytest

from tests.cli.records_seed import run, run_json, seeded_db_path


@pytest.fixture
def dbpath(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return seeded_db_path(tmp_path, monkeypatch)


def count(dbpath, table: str) -> int:
    con = sqlite3.connect(dbpath)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize("fmt", ["html", "docx"])
def test_a_broken_user_template_records_no_receipt(dbpath, tmp_path, fmt):
    run_json(["promo", "recommend", "--top", "2"])
    user = tmp_path / "tpl"
    user.mkdir()
    if fmt == "html":
        (user / "promo_receipt.html").write_text("<h1>{{ title }}</h1>\n{% if %}\n", encoding="utf-8")
    else:  # not a Word file at all: docxtpl cannot open it
        (user / "promo_receipt.docx").write_bytes(b"not a docx")
    cfg = tmp_path / "cfg.toml"
    cfg.write_text(f'[templates]\ndir = "{user}"\n', encoding="utf-8")
    out = tmp_path / "forms" / f"r.{fmt}"
    result = run(["--config", str(cfg), "promo", "receipt", "--campaign", "元旦宣传", "--item",
                  "宣传海报", "--qty", "2", "--format", fmt, "--out", str(out)])
    assert result.exit_code == 2 and "promo_receipt" in result.stderr  # names the template
    assert count(dbpath, "promo_receipts") == 0
    assert count(dbpath, "promo_campaigns") == 0  # the campaign is not half-created either
    assert not out.exists()
    assert not any((tmp_path / "forms").iterdir())  # no staged leftovers either
    # The same command with the packaged template records both, once.
    result = run(["promo", "receipt", "--campaign", "元旦宣传", "--item", "宣传海报", "--qty", "2",
                  "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file() and count(dbpath, "promo_receipts") == 2


def test_receipt_records_nothing_when_the_form_cannot_be_written(dbpath, tmp_path):
    run_json(["promo", "recommend", "--top", "2"])
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the form's folder should be", encoding="utf-8")
    result = run(["promo", "receipt", "--campaign", "x", "--item", "海报", "--format", "html",
                  "--out", str(blocker / "r.html")])
    assert result.exit_code == 2 and "not-a-folder" in result.stderr  # a user's mistake, named
    assert count(dbpath, "promo_receipts") == 0
