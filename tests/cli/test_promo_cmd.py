"""`cmgr promo`: the 综合测评 ranking (recommend) and the 《宣传促销品签收单》 (receipt)."""

from __future__ import annotations

import pytest

from tests.cli.records_seed import rows, run, run_json


def test_promo_recommend_scores_recomputed_and_level_two_absent(seeded_dbpath):
    data = run_json(["promo", "recommend", "--top", "10"])
    customers = data["customers"]
    codes = [c["customer_code"] for c in customers]
    assert "C003" not in codes  # 档位 10: 二级
    assert set(codes) == {"C001", "C002", "C004", "C005"}
    assert all(c["level"] >= 3 for c in customers)
    weights = data["settings"]["weights"]
    for c in customers:
        parts = {p["part"]: p for p in c["parts"]}
        assert {p["weight"] for p in parts.values()} <= set(weights.values())
        recomputed = 100 * sum(weights[k] * parts[k]["score"] for k in weights) / sum(weights.values())
        assert c["total"] == pytest.approx(round(recomputed, 2))
    totals = [c["total"] for c in customers]
    assert totals == sorted(totals, reverse=True)
    by = {c["customer_code"]: c for c in customers}
    # C001 grows (weekly qty rising), C002 shrinks: growth scores reflect it
    assert by["C001"]["growth"] > 0 > by["C002"]["growth"]
    assert by["C001"]["growth_score"] > by["C002"]["growth_score"]
    # C001 also buys 中华(软) at 610 元/条: the highest 单箱值
    assert by["C001"]["structure_score"] == 1.0
    assert by["C002"]["settlement_score"] == 0.0 and by["C004"]["settlement_score"] == 0.5


def test_promo_recommend_manager_and_config(seeded_dbpath, tmp_path, monkeypatch):
    data = run_json(["promo", "recommend", "--manager", "李娜"])
    assert [c["customer_code"] for c in data["customers"]] == ["C005"]
    result = run(["promo", "recommend", "--manager", "王小明"])
    assert result.exit_code == 2 and "王建国" in result.stderr
    cfg = tmp_path / "c.toml"
    cfg.write_text("[promo]\nmin_level = 5\n", encoding="utf-8")
    data = run_json(["--config", str(cfg), "promo", "recommend"])
    assert [c["customer_code"] for c in data["customers"]] == ["C004"]
    cfg.write_text("[promo.weights]\ngrowth = -1\n", encoding="utf-8")
    result = run(["--config", str(cfg), "promo", "recommend"])
    assert result.exit_code == 2 and "promo.weights.growth" in result.stderr


def test_promo_recommend_xlsx_and_csv(seeded_dbpath, tmp_path):
    import openpyxl

    out = tmp_path / "list.xlsx"
    assert run(["promo", "recommend", "--format", "xlsx", "--out", str(out)]).exit_code == 0
    ws = openpyxl.load_workbook(out).active
    assert "促销客户推荐名单" in ws["A1"].value
    header = [c.value for c in ws[2]]
    assert header[:3] == ["排名", "客户编码", "客户名称"] and "综合得分" in header
    body = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    assert len(body) == 4 and {r[1] for r in body} == {"C001", "C002", "C004", "C005"}
    csv_out = tmp_path / "list.csv"
    assert run(["promo", "recommend", "--format", "csv", "--out", str(csv_out)]).exit_code == 0
    text = csv_out.read_text(encoding="utf-8-sig").splitlines()
    assert text[0].startswith("排名,客户编码") and len(text) == 5


@pytest.mark.parametrize("fmt", ["docx", "html"])
def test_promo_receipt_from_the_last_list(seeded_dbpath, tmp_path, fmt):
    run_json(["promo", "recommend", "--top", "2"])
    out = tmp_path / f"r.{fmt}"
    result = run(["promo", "receipt", "--campaign", "元旦宣传", "--item", "宣传海报", "--qty", "2",
                  "--format", fmt, "--out", str(out), "--date", "2026-12-01"])
    assert result.exit_code == 0, result.output
    lines = rows(seeded_dbpath, "SELECT r.*, c.name FROM promo_receipts r JOIN promo_campaigns c "
                         "ON c.id = r.campaign_id ORDER BY r.id")
    assert len(lines) == 2 and {r["item"] for r in lines} == {"宣传海报"}
    assert {r["qty"] for r in lines} == {2.0} and lines[0]["issued_on"] == "2026-12-01"
    if fmt == "docx":
        import docx

        d = docx.Document(str(out))
        cells = [[c.text for c in r.cells] for t in d.tables for r in t.rows]
        assert cells[0][:3] == ["序号", "客户编码", "客户名称"] and "客户签名" in cells[0]
        # header, one row per customer (the loop rows are gone), the total
        assert len(cells) == 4
        assert {cells[1][1], cells[2][1]} == {r["customer_code"] for r in lines}
        assert [row[5] for row in cells[1:]] == ["2 份", "2 份", "4 份"]  # with the unit; total
        assert cells[3][0] == "合计 2 户"
        assert all(row[6] == "" for row in cells[1:3])  # blank signature boxes
        text = "\n".join(p.text for p in d.paragraphs)
    else:
        text = out.read_text(encoding="utf-8")
        assert "4 份" in text
    assert "宣传促销品签收单" in text and "元旦宣传" in text
    assert "客户经理（签字）" in text and "品牌经理（签字）" in text


def test_promo_receipt_named_customers_and_errors(seeded_dbpath, tmp_path):
    result = run(["promo", "receipt", "--campaign", "x", "--item", "海报", "--customers", "C003",
                  "--format", "html", "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 0 and "三级以上" in result.stderr  # warned, not refused
    result = run(["promo", "receipt", "--campaign", "x", "--customers", "C001,C999"])
    assert result.exit_code == 2 and "C999" in result.stderr
    result = run(["promo", "receipt", "--campaign", "新活动", "--customers", "C001"])
    assert result.exit_code == 2 and "--item" in result.stderr


def test_promo_receipt_without_a_list(seeded_dbpath):
    result = run(["promo", "receipt", "--campaign", "x", "--item", "海报"])
    assert result.exit_code == 2 and "promo recommend" in result.stderr


def _as(monkeypatch, name: str, role: str = "manager") -> None:
    monkeypatch.setenv("CMGR_USER_NAME", name)
    monkeypatch.setenv("CMGR_USER_ROLE", role)


def test_promo_receipt_takes_the_callers_own_last_list_and_says_which(seeded_dbpath, tmp_path,
                                                                       monkeypatch):
    """In a team database (`[user]` roles on SQLite) the default list is the caller's own last
    one, not the last in the database (another manager's, whose customers are not theirs)."""
    _as(monkeypatch, "王建国")
    mine = run_json(["promo", "recommend", "--manager", "王建国", "--top", "2"])
    _as(monkeypatch, "李娜")
    run_json(["promo", "recommend", "--manager", "李娜"])  # the database's last list
    _as(monkeypatch, "王建国")
    result = run(["promo", "receipt", "--campaign", "元旦宣传", "--item", "宣传海报", "--qty", "1",
                  "--format", "html", "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    list_id = rows(seeded_dbpath, "SELECT id FROM promo_lists WHERE manager = '王建国'")[0]["id"]
    assert f"取自王建国的推荐名单 {list_id}" in result.stderr and "2 户" in result.stderr
    given = [r["customer_code"] for r in rows(seeded_dbpath, "SELECT customer_code FROM "
                                              "promo_receipts ORDER BY id")]
    assert given == [c["customer_code"] for c in mine["customers"]]
    # an area manager's default: the last list of a manager of the area ([area] in the config)
    config = tmp_path / "config.toml"
    config.write_text('[area]\n"城东片区" = ["王建国"]\n"城西片区" = ["李娜"]\n', encoding="utf-8")
    monkeypatch.setenv("CMGR_CONFIG", str(config))
    monkeypatch.setenv("CMGR_USER_AREA", "城东片区")
    _as(monkeypatch, "刘区域", "area_manager")
    refused = run(["promo", "receipt", "--campaign", "元旦宣传", "--item", "宣传海报"])
    # (then refused: receipts are the managers' to record) on 王建国's list, not 李娜's C005
    assert refused.exit_code == 2 and "C001" in refused.stderr, refused.stderr
    # a manager without a list of their own is told so, not given another's
    monkeypatch.delenv("CMGR_USER_AREA")
    _as(monkeypatch, "张敏")
    result = run(["promo", "receipt", "--campaign", "元旦宣传", "--item", "宣传海报"])
    assert result.exit_code == 2 and "张敏 还没有推荐名单" in result.stderr, result.stderr


def test_promo_recommend_format_from_the_out_suffix(seeded_dbpath, tmp_path):
    import json

    import openpyxl

    out = tmp_path / "list.xlsx"
    assert run(["promo", "recommend", "--out", str(out)]).exit_code == 0
    assert openpyxl.load_workbook(out).active["A1"].value.startswith("促销客户推荐名单")
    out = tmp_path / "list.json"
    result = run(["promo", "recommend", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(json.loads(out.read_text(encoding="utf-8"))["customers"]) == 4
    result = run(["promo", "recommend", "--format", "table", "--out", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 2 and not (tmp_path / "t.xlsx").exists()
    result = run(["promo", "recommend", "--out", str(tmp_path / "t.pdf")])
    assert result.exit_code == 2 and "pdf" in result.stderr
