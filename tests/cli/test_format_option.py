"""A --format a command does not offer is refused, and its help lists only what it accepts."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner


@pytest.mark.parametrize("args", [["config", "show"], ["complaint", "show", "X"],
                                  ["customer", "show", "C001"]])
def test_a_format_the_command_does_not_offer_is_refused(tmp_path, args):
    from cmgr.cli.app import app

    result = CliRunner().invoke(app, ["--db", str(tmp_path / "c.db"), *args, "--format", "html"],
                                env={"CMGR_CONFIG": ""})
    assert result.exit_code == 2 and "'html' is not one of 'table', 'json'" in result.output
    assert "<table" not in result.stdout


def test_help_lists_only_the_accepted_formats():
    from cmgr.cli.app import app

    result = CliRunner().invoke(app, ["config", "show", "--help"], env={"COLUMNS": "120"})
    assert "<table|json>" in result.output and "html" not in result.output
