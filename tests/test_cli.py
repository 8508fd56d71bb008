"""The command line: exit codes, stdout and stderr, help for every command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ownership.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"TERMINAL_WIDTH": "200", "NO_COLOR": "1"})
    return result.exit_code, result.stdout, result.stderr


def test_validate_prints_a_summary_for_a_good_dataset() -> None:
    code, out, err = run("validate", str(ROOT / "fixtures" / "inspur.yaml"))
    assert code == 0, err
    assert re.fullmatch(
        r"valid: \d+ entities, \d+ holdings, \d+ listings, "
        r"dates \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d\n",
        out,
    )


def test_validate_lists_every_problem_on_stderr_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "entities:\n  - id: a\n    name: A\n"
        "holdings:\n  - owner: a\n    owned: ghost\n    percent: 101\n"
    )
    code, out, err = run("validate", str(bad))
    assert code == 2
    assert out == ""
    assert f"{bad}:7: holdings[0] (a -> ghost): field 'percent'" in err
    assert "Traceback" not in err


def test_missing_file_is_one_line_on_stderr(tmp_path: Path) -> None:
    code, _, err = run("validate", str(tmp_path / "missing.yaml"))
    assert code == 2
    assert "file not found" in err and "Traceback" not in err


def test_schema_is_json_schema_of_the_format() -> None:
    code, out, _ = run("schema")
    assert code == 0
    schema = json.loads(out)
    assert set(schema["properties"]) == {
        "entities",
        "holdings",
        "listings",
        "arrangements",
        "sources",
    }
    holding = schema["$defs"]["Holding"]["properties"]
    assert {"percent", "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"} <= set(holding)


def command_names() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", command_names())
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name: str) -> None:
    code, out, _ = run(name, "--help")
    assert code == 0
    assert "Example" in out, f"{name} --help shows no example"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"ownership {name}" in readme, f"README does not document `ownership {name}`"
