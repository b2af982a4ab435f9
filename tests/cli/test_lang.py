"""Chinese by default, English with `--lang en`: the import summary, db check, config show, an
error with its hint, and the demo's closing hint. (Help in both languages: test_help_format.py.)"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cmgr import i18n
from cmgr.cli.app import app

ORDERS = ("订单编号,订货日期,客户编码,卷烟编码,订购量\n"
          "N1,2026-11-05,000532001001,6901028075022,3\n"
          "N2,2026-11-05,000532001002,6901028075022,x\n")


@pytest.fixture(autouse=True)
def _chinese_unless_asked(monkeypatch):
    """Each test starts in Chinese (the default), and `--lang en` does not outlive it."""
    monkeypatch.setattr(i18n, "_language", "zh")


def cmgr(*args: str, env: dict | None = None):
    return CliRunner().invoke(app, list(args), env={"CMGR_CONFIG": "", **(env or {})})


def test_import_summary_and_rejected_row_in_chinese_then_english(tmp_path):
    orders = tmp_path / "o.csv"
    orders.write_text(ORDERS, encoding="utf-8")
    db = str(tmp_path / "cmgr.db")
    zh = cmgr("--db", db, "import", "orders", str(orders), "--dry-run")
    assert zh.exit_code == 3, zh.output
    assert "导入结果（试运行：未写入任何内容）" in zh.stderr
    for header in ("文件名", "读取", "新增", "拒收"):
        assert header in zh.stderr
    assert f"拒收 文件 {orders}，第 3 行，列「订购量」（值 'x'）：" in zh.stderr  # Location
    en = cmgr("--lang", "en", "--db", db, "import", "orders", str(orders), "--dry-run")
    assert en.exit_code == 3
    assert "import summary (dry run: nothing written)" in en.stderr
    assert f"rejected {orders}, row 3, column 订购量 (value 'x'): " in en.stderr
    assert "导入结果" not in en.stderr and "拒收" not in en.stderr


def test_an_error_and_its_hint_in_either_language(tmp_path):
    missing = tmp_path / "nosuch.xlsx"
    zh = cmgr("--db", str(tmp_path / "x.db"), "import", "orders", str(missing))
    assert zh.exit_code == 2
    assert zh.stderr.splitlines() == [f"错误：找不到文件：{missing}；未导入任何内容",
                                      "提示：检查文件名和文件夹（`ls`）"]
    en = cmgr("--lang", "en", "--db", str(tmp_path / "x.db"), "import", "orders", str(missing))
    assert en.exit_code == 2
    assert en.stderr.splitlines() == [f"error: file not found: {missing}; nothing was imported",
                                      "hint: check the name and the folder (`ls`)"]


def test_db_check_in_either_language(dbfile):
    zh = cmgr("db", "check", env={"CMGR_DB": str(dbfile)})
    assert zh.exit_code == 0, zh.output
    assert f"已检查 {dbfile}：完好" in zh.stderr
    assert "完整性：ok" in zh.stdout and "结构版本：" in zh.stdout and "行数" in zh.stdout
    en = cmgr("--lang", "en", "db", "check", env={"CMGR_DB": str(dbfile)})
    assert f"checked {dbfile}: ok" in en.stderr
    assert "integrity: ok" in en.stdout and "schema version:" in en.stdout
    assert "完整性" not in en.stdout


def test_config_show_in_either_language(tmp_path):
    db = str(tmp_path / "c.db")
    zh = cmgr("--db", db, "config", "show")
    assert zh.exit_code == 0, zh.output
    for text in ("配置（没有配置文件：默认值）", "配置项", "来源", "命令行选项", "默认值"):
        assert text in zh.stdout
    en = cmgr("--lang", "en", "--db", db, "config", "show")
    for text in ("configuration (no file: defaults)", "key", "source", "option", "default"):
        assert text in en.stdout
    assert "配置项" not in en.stdout


def test_the_language_option_and_cmgr_lang_switch_runtime_messages(tmp_path):
    missing = str(tmp_path / "none.db")
    by_env = cmgr("db", "check", env={"CMGR_DB": missing, "CMGR_LANG": "en"})
    assert by_env.exit_code == 2 and by_env.stderr.startswith(f"error: no database at {missing}")
    by_option = cmgr("--lang", "zh", "db", "check", env={"CMGR_DB": missing, "CMGR_LANG": "en"})
    assert by_option.stderr.startswith(f"错误：找不到数据库 {missing}")


def test_the_demo_ends_with_what_to_try_next_in_english(tmp_path):
    db = tmp_path / "territory.db"
    result = cmgr("--lang", "en", "--db", str(db), "demo", "--dir", str(tmp_path / "demo"),
                  env={"CMGR_INTERACTIVE": "0"})
    assert result.exit_code == 0, result.output[-2000:]
    tail = [line.strip() for line in result.stderr.strip().splitlines()[-5:]]
    assert tail == ["demo complete", "next, try these on the demo database:",
                    f"export CMGR_DB={db.resolve()}",
                    "cmgr plan-week --all --week 2026-W49 --no-save", "cmgr complaint list"]
    assert "imported customers" in result.stderr and "demo.db" not in result.stderr


def test_clicks_usage_errors_in_either_language(tmp_path):
    db = str(tmp_path / "u.db")
    zh = cmgr("--db", db, "config", "show", "--format", "html")
    assert zh.exit_code == 2
    assert zh.stderr.splitlines() == [
        "用法：root config show [选项]", "运行 `root config show --help` 查看帮助。", "",
        "错误：'--format' 的值无效：'html' 不是 'table', 'json' 之一"]
    assert cmgr("--db", db, "import", "orders").stderr.splitlines()[-1] == "错误：缺少参数 '文件'"
    typo = cmgr("--db", db, "plan-weak")
    assert typo.exit_code == 2 and "错误：没有这个命令：'plan-weak'（是不是 'plan-week'" in typo.stderr
    en = cmgr("--lang", "en", "--db", db, "config", "show", "--format", "html")
    assert en.exit_code == 2
    assert en.stderr.splitlines()[-1] == ("error: Invalid value for '--format': 'html' is not one "
                                         "of 'table', 'json'.")
    assert not (tmp_path / "u.db").exists()  # refused while parsing: nothing opened
    i18n.set_language("zh")  # --lang en above lasts for the process (the fixture resets it)
    root = cmgr("--bogus", "db", "check")  # the root's own options fail before any command
    assert root.exit_code == 2 and root.stderr.splitlines()[-1].startswith(
        "错误：没有这个选项：--bogus")
    bound = cmgr("--db", db, "customer", "show", "x", "--months", "0")
    assert bound.stderr.splitlines()[-1] == "错误：'--months' 的值无效：应不小于 1"


def test_a_prompt_ends_with_the_colon_of_its_language(dbfile):
    env = {"CMGR_DB": str(dbfile), "CMGR_INTERACTIVE": "1"}
    zh = CliRunner().invoke(app, ["customer", "join", "C900"], input="新店\n",
                            env={"CMGR_CONFIG": "", **env})
    assert zh.exit_code == 0, zh.output
    assert "客户名称：" in zh.stderr and "C900 新店 已于" in zh.stderr
    assert "：" not in zh.stdout  # only the space click echoes with the input goes to stdout
    en = CliRunner().invoke(app, ["--lang", "en", "customer", "join", "C901"], input="Shop\n",
                            env={"CMGR_CONFIG": "", **env})
    assert en.exit_code == 0, en.output
    assert "客户名称 (customer name):" in en.stderr and "C901 Shop joined the network on" in en.stderr
