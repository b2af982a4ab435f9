"""cli/common.py: the prompt helpers and an unanswered prompt is cancelled (已取消, 130)."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from cmgr.cli import common

runner = CliRunner()


def _prompt_app() -> typer.Typer:
    demo = common.new_app("test app")

    @demo.command("ask")
    def ask(name: str = typer.Option(None, "--name", help="a name")) -> None:
        """Ask for the name when it is missing."""
        value = name or common.prompt_or_fail("--name", "客户名称")
        common.print_json({"name": value})

    @demo.command("other")
    def other() -> None:
        """Unused: keeps `ask` a subcommand."""

    return demo


def test_prompt_or_fail_names_the_option_without_a_terminal():
    result = runner.invoke(_prompt_app(), ["ask"])
    assert result.exit_code == 2
    assert "--name" in result.stderr and "没有可以提问的终端" in result.stderr
    assert result.stdout == ""


def test_prompt_or_fail_asks_on_a_terminal(monkeypatch):
    monkeypatch.setenv("CMGR_INTERACTIVE", "1")
    result = runner.invoke(_prompt_app(), ["ask"], input="张记\n")
    assert result.exit_code == 0, result.stderr
    assert "客户名称" in result.stderr and "客户名称" not in result.stdout
    echoed, data = result.stdout.split("\n", 1)  # CliRunner echoes the typed answer
    assert json.loads(data) == {"name": "张记"}


def test_a_bare_prompt_at_end_of_input_is_cancelled_130_not_1():
    """A command that prompts directly (not through the helpers) and gets end of input (Ctrl-D):
    cancelled, 130, never 1 (which the exit-code table keeps for findings)."""
    demo = common.new_app("test app")

    @demo.command("ask")
    def ask() -> None:
        """Prompts directly."""
        typer.prompt("name", err=True)

    @demo.command("other")
    def other() -> None:
        """Unused."""

    result = runner.invoke(demo, ["ask"], input="")
    assert result.exit_code == 130 and "已取消" in result.stderr
