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
    result = runner.invoke(
        app, list(args), env={"TERMINAL_WIDTH": "200", "COLUMNS": "200", "NO_COLOR": "1"}
    )
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


CONFLICTED = (
    "entities:\n  - {id: x, name: X}\n  - {id: y, name: Y}\n  - {id: a, name: A}\n"
    "holdings:\n  - {owner: x, owned: a, percent: 60}\n  - {owner: y, owned: a, percent: 60}\n"
    "listings:\n  - {entity: x, list: sdn}\n"
)


def test_validate_refuses_hand_written_conflicts_unless_allowed(tmp_path: Path) -> None:
    data = tmp_path / "d.yaml"
    data.write_text(CONFLICTED)
    code, out, err = run("validate", str(data))
    assert (code, out) == (2, "")
    assert "add up to 120%" in err and "x 60% [d.yaml:6], y 60% [d.yaml:7]" in err
    assert "--allow-conflicts" in err
    code, out, err = run("validate", "--allow-conflicts", str(data))
    assert code == 0 and out.startswith("valid: 3 entities") and "1 data-quality" in out
    assert err.startswith(f"warning: {data}:7: holdings[1]") and "cannot all be true" in err
    code, out, err = run("validate", "--allow-conflicts", "--strict", str(data))
    assert code == 2 and "1 data-quality warning (--strict)" in err
    code, out, err = run(
        "explain", "a", "--data", str(data), "--allow-conflicts", "--rule", "ofac-50"
    )
    assert code == 0 and "conflicting_stakes" in out and "possible, not certain." in out
    code, _, err = run("explain", "a", "--data", str(data), "--rule", "ofac-50")
    assert code == 2 and "--allow-conflicts" in err and "Traceback" not in err
    code, out, err = run(
        "analyze", "--data", str(data), "--allow-conflicts", "--rule", "ofac-50", "-f", "jsonl"
    )
    assert code == 0 and "note: The data cannot all be true" in err and "stakes in 1 entity" in err
    assert all(line.startswith("{") for line in out.splitlines())


def test_validate_warns_of_conflicts_in_imported_data(tmp_path: Path) -> None:
    ftm = tmp_path / "e.ftm.json"
    ftm.write_text(
        '{"id": "x", "schema": "Company", "properties": {"name": ["X"]}}\n'
        '{"id": "y", "schema": "Company", "properties": {"name": ["Y"]}}\n'
        '{"id": "a", "schema": "Company", "properties": {"name": ["A"]}}\n'
        '{"id": "o1", "schema": "Ownership", "properties": {"owner": ["x"], "asset": ["a"], '
        '"percentage": ["70"]}}\n'
        '{"id": "o2", "schema": "Ownership", "properties": {"owner": ["y"], "asset": ["a"], '
        '"percentage": ["40"]}}\n'
    )
    code, out, err = run("validate", str(ftm))
    assert code == 0 and "1 data-quality warning" in out
    assert "e.ftm.json:5" in err and "add up to 110%" in err
    code, _, err = run("validate", "--strict", str(ftm))
    assert code == 2


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


def test_analyze_json_rows_have_the_documented_fields() -> None:
    code, out, err = run("analyze", "--as-of", "2025-10-01", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    by_id = {r["id"]: r for r in rows}
    aivres = by_id["aivres-systems"]
    assert aivres["status"] == "exposed"
    assert aivres["flags"] == ["out_of_scope_us_entity"]
    assert aivres["effective_percent"] == 100
    assert aivres["listed_ancestors"] == ["inspur-electronic", "inspur-group"]
    assert aivres["rule"] == "bis-affiliates" and aivres["as_of"] == "2025-10-01"
    assert "in force 2025-09-29..2025-11-09" in aivres["window"]
    assert aivres["explanation"].startswith("Aivres Systems Inc. is exposed")
    for row in rows:
        assert {
            "id",
            "name",
            "status",
            "flags",
            "effective_percent",
            "listed_ancestors",
            "explanation",
        } <= set(row)
        assert 0 <= row["effective_percent"] <= 100


def test_analyze_table_states_rule_window_date_and_counts() -> None:
    code, out, _ = run("analyze", "--as-of", "2026-01-15")
    assert code == 0
    assert out.startswith("Rule bis-affiliates (BIS Affiliates Rule)")
    assert "stayed 2025-11-10..2026-11-09" in out
    assert "NOT in force" in out
    assert re.search(r"\d+ listed, \d+ covered, \d+ exposed, \d+ clear", out)


def test_analyze_jsonl_and_csv(tmp_path: Path) -> None:
    code, out, _ = run("analyze", "--format", "jsonl", "--rule", "ofac-50")
    assert code == 0
    lines = out.strip().splitlines()
    assert all(json.loads(line)["rule"] == "ofac-50" for line in lines)
    code, out, _ = run("analyze", "--format", "csv")
    assert code == 0
    header = out.splitlines()[0].split(",")
    assert header[:4] == ["id", "name", "country", "status"]


def test_analyze_says_when_no_listing_is_read_by_the_rule() -> None:
    code, out, _ = run("analyze", "--rule", "ofac-50", "--as-of", "2025-10-01")
    assert code == 0
    assert "No listing in the data is read by ofac-50" in out
    assert "it reads sdn; the data has entity_list" in out


def test_custom_rule_and_lists_override() -> None:
    code, out, _ = run(
        "analyze",
        "--rule",
        "custom",
        "--threshold",
        "25",
        "--lists",
        "entity_list",
        "--as-of",
        "2025-10-01",
        "-f",
        "json",
    )
    assert code == 0
    rows = {r["id"]: r for r in json.loads(out)}
    assert rows["inspur-group"]["rule"] == "custom"
    assert rows["inspur-group"]["threshold"] == ">= 25%"
    code, out, _ = run("analyze", "--rule", "ofac-50", "--lists", "entity_list", "-f", "json")
    rows = {r["id"]: r for r in json.loads(out)}
    assert rows["inspur-group"]["status"] == "listed"
    assert rows["inspur-group"]["rule"] == "ofac-50, reading entity_list"


def test_a_named_rule_with_a_parameter_changes_only_that_and_says_so() -> None:
    args = ("analyze", "--as-of", "2025-10-01", "--threshold", "30")
    code, out, err = run(*args, "-f", "json")
    assert code == 0, err
    rows = {r["id"]: r for r in json.loads(out)}
    label = "bis-affiliates, threshold changed to >= 30%"
    assert {r["rule"] for r in rows.values()} == {label}
    # the Affiliates Rule's window, seeds and scope stay
    assert "in force 2025-09-29..2025-11-09" in rows["inspur-electronic"]["window"]
    assert rows["inspur-electronic"]["status"] == "listed"
    assert rows["aivres-systems"]["flags"] == ["out_of_scope_us_entity"]
    # still stayed on a stayed date, whatever the threshold
    code, out, _ = run("analyze", "--as-of", "2026-01-15", "--threshold", "30")
    assert out.startswith(f"Rule {label} (BIS Affiliates Rule)")
    assert "NOT in force" in out
    code, out, _ = run("analyze", "--rule", "ofac-50", "--threshold", "40", "--as-of", "2025-10-01")
    assert out.startswith("Rule ofac-50, threshold changed to >= 40% (OFAC 50 Percent Rule);")
    assert "it reads sdn" in out  # its seeds stay the SDN List


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--rule", "look-through", "--per-owner"), "--per-owner/--aggregate apply to the cascade"),
        (("--rule", "look-through", "--no-control"), "--control/--no-control apply to the cascade"),
        (("--rule", "listed-only", "--threshold", "30"), "listed-only covers nothing"),
        (("--threshold", "fifty"), "--threshold 'fifty' is not a percentage"),
        (("--threshold", "120"), "give a number from 0 to 100"),
    ],
)
def test_parameters_a_rule_cannot_take_are_refused_in_one_line(
    args: tuple[str, ...], message: str
) -> None:
    code, out, err = run("analyze", *args)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_look_through_takes_a_strict_threshold() -> None:
    code, out, err = run("analyze", "--rule", "look-through", "--strict", "-f", "json")
    assert code == 0, err
    assert {r["threshold"] for r in json.loads(out)} == {"> 50%"}


def test_an_unverified_window_is_shown_whole_in_the_header() -> None:
    for command in (("analyze",), ("explain", "Inspur Group")):
        code, out, _ = run(*command, "--as-of", "2026-12-01")
        assert code == 0
        header = out.splitlines()[0]
        assert "in force again from 2026-11-10 (90 FR 50857) [unverified]; as of 2026-12-01." in (
            header
        )
        assert " ;" not in header


def test_rules_lists_every_rule_with_what_it_reads_and_its_citations() -> None:
    code, out, err = run("rules", "--as-of", "2026-12-01", "-f", "json")
    assert code == 0, err
    rules = {r["name"]: r for r in json.loads(out)}
    assert list(rules) == ["listed-only", "ofac-50", "bis-affiliates", "eu", "uk", "look-through"]
    bis = rules["bis-affiliates"]
    (sdn,) = [s for s in bis["seeds"] if s["list"] == "sdn"]
    assert len(sdn["programs"]) == 14 and "RUSSIA-EO14024" in sdn["programs"]
    assert "89 FR 20107" in sdn["citation"]
    assert bis["on"]["in_force"] is True and "[unverified]" in bis["on"]["window"]
    assert [w["label"] for w in bis["windows"]][-2:] == ["stayed", "in force again"]
    assert [t["text"] for t in rules["eu"]["thresholds"]] == ["> 50%", ">= 50%"]
    assert rules["look-through"]["seeds"] is None
    code, out, _ = run("rules", "bis", "--as-of", "2026-01-15")
    assert code == 0
    assert "NOT in force: stayed 2025-11-10..2026-11-09 (90 FR 50857)" in out
    assert "RUSSIA-EO14024" in out and "744.8(a)(1)" in out
    code, _, err = run("rules", "ofac-49")
    assert code == 2 and "no rule named 'ofac-49'" in err


def test_explain_finds_a_former_name_and_says_it_was_renamed() -> None:
    code, out, _ = run("explain", "Inspur Systems", "--as-of", "2023-06-01")
    assert code == 0
    assert "former name of Aivres Systems Inc." in out
    assert "Inspur Group Co., Ltd. -> IEIT Systems Co., Ltd. -> Aivres Systems" in out


def test_unknown_name_suggests_and_exits_2() -> None:
    code, _, err = run("explain", "Inspur Grup")
    assert code == 2
    assert "no entity matches 'Inspur Grup'" in err and "Did you mean" in err
    assert "Inspur Group Co., Ltd." in err


def test_bad_rule_and_bad_date_are_one_line_errors() -> None:
    code, _, err = run("analyze", "--rule", "ofac-49")
    assert code == 2 and "no rule named 'ofac-49'" in err
    code, _, err = run("analyze", "--as-of", "2025-13-01")
    assert code == 2 and "YYYY-MM-DD" in err


def test_affiliates_table_shows_the_loophole_and_a_summary() -> None:
    code, out, err = run("affiliates", "Inspur Group", "--unlisted", "--as-of", "2023-06-01")
    assert code == 0, err
    assert out.startswith("Rule bis-affiliates")
    assert "Aivres Systems Inc." in out and "renamed from 'Inspur Systems, Inc.'" in out
    assert re.search(
        r"\d+ affiliates of Inspur Group Co., Ltd.: 0 listed, 0 covered, \d+ exposed", out
    )


def test_affiliates_json_and_csv_rows() -> None:
    code, out, _ = run("affiliates", "inspur-group", "--as-of", "2025-10-01", "-f", "json")
    assert code == 0
    rows = {r["id"]: r for r in json.loads(out)}
    assert rows["aivres-systems"]["path"] == ["inspur-group", "inspur-electronic", "aivres-systems"]
    assert rows["aivres-systems"]["relation"] == "subsidiary"
    assert rows["inspur-taiwan"]["status"] == "listed"
    code, out, _ = run("affiliates", "inspur-group", "--scope", "group", "-f", "csv")
    assert code == 0
    assert out.splitlines()[0].startswith("id,name,country,relation,status")


def write_counterparties(tmp_path: Path, *names: str) -> Path:
    path = tmp_path / "cp.csv"
    path.write_text("company,country\n" + "".join(f"{n},\n" for n in names), encoding="utf-8")
    return path


def test_screen_exit_codes_follow_fail_on(tmp_path: Path) -> None:
    path = write_counterparties(tmp_path, "Aivres Systems", "Acme Widgets")
    args = ["screen", str(path), "--as-of", "2025-10-01"]
    assert run(*args)[0] == 0
    assert run(*args, "--fail-on", "exposed")[0] == 1
    assert run(*args, "--fail-on", "covered")[0] == 0
    _, out, _ = run(*args, "-f", "json")
    rows = json.loads(out)
    assert [r["status"] for r in rows] == ["exposed", "no match"]
    assert rows[0]["input_company"] == "Aivres Systems"


def test_screen_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "cp.csv"
    path.write_text("firm\nAivres\n")
    code, _, err = run("screen", str(path))
    assert code == 2
    assert f"{path}:1" in err and "columns are: firm" in err and "--name-column" in err
    code, out, _ = run("screen", str(path), "--name-column", "firm", "-f", "csv")
    assert code == 0 and "aivres-systems" in out


def test_timeline_and_show_commands() -> None:
    code, out, _ = run("timeline", "Inspur Systems", "-f", "json")
    assert code == 0
    events = {e["date"]: e for e in json.loads(out)}
    assert events["2023-03-02"]["status"] == "exposed"
    code, out, _ = run("timeline", "Aivres Systems")
    assert code == 0 and "renamed Aivres Systems Inc." in out
    code, out, _ = run("show", "IEIT Systems")
    assert code == 0
    assert "names over time" in out and "90 FR 14046" in out and "szse 000977" in out
    code, out, _ = run("show", "aivres-systems", "-f", "json")
    assert json.loads(out)["names"][0] == {
        "name": "Inspur Systems, Inc.",
        "since": None,
        "until": "2023-05-01",
    }


def test_map_and_plot_write_files(tmp_path: Path) -> None:
    out = tmp_path / "maps" / "inspur.html"
    code, stdout, err = run("map", "Inspur Group", "--as-of", "2025-10-01", "--out", str(out))
    assert code == 0, err
    assert stdout.startswith(f"wrote {out} (Rule bis-affiliates")
    page = out.read_text(encoding="utf-8")
    from ownership.render.html import unpack

    packed = re.search(r'id="map-store">(.*?)</script>', page, re.S)
    assert packed, "no map data in the page"
    assert "aivres-systems" in [e["id"] for e in unpack(packed.group(1))["entities"]]
    assert not re.search(r"""(src|href)=["']https?://""", page)
    figure = tmp_path / "inspur.svg"
    code, _, err = run("plot", "Inspur Group", "--out", str(figure))
    assert code == 0, err
    assert figure.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    code, _, err = run("plot", "Inspur Group", "--out", str(tmp_path / "inspur.gif"))
    assert code == 2 and "must end in .png, .svg, .pdf" in err and "Traceback" not in err


SAMPLES = ROOT.parent / "shared" / "data" / "samples"
needs_samples = pytest.mark.skipif(
    not SAMPLES.exists(), reason="real sample files not beside the project"
)


@needs_samples
def test_import_real_files_then_analyze_them(tmp_path: Path) -> None:
    out = tmp_path / "imported.yaml"
    report = tmp_path / "report.json"
    code, stdout, err = run(
        "import",
        str(SAMPLES / "csl" / "csl_consolidated_excerpt_watchman.csv"),
        str(SAMPLES / "bods" / "bods-package-fi-soe.json"),
        "--out",
        str(out),
        "--report",
        str(report),
    )
    assert code == 0, err
    assert "(csl): 13 entities, 13 listings" in stdout
    assert f"wrote {out}: 17 entities, 4 holdings, 13 listings" in stdout
    assert json.loads(report.read_text())["counts"]["entities"] == 17
    code, stdout, _ = run("analyze", "--data", str(out), "--rule", "listed-only", "-f", "json")
    assert code == 0
    assert sum(r["status"] == "listed" for r in json.loads(stdout)) == 13


def test_export_graphml_with_verdicts(tmp_path: Path) -> None:
    import networkx as nx

    out = tmp_path / "inspur.graphml"
    code, _, err = run("export", str(out), "--rule", "bis-affiliates", "--as-of", "2025-10-01")
    assert code == 0, err
    graph = nx.read_graphml(out)
    assert graph.nodes["aivres-systems"]["status"] == "exposed"
    assert graph.number_of_nodes() == 18


def test_compare_with_opensanctions_tags() -> None:
    ftm = ROOT / "tests" / "data" / "io" / "ftm_entities.jsonl"
    code, out, err = run("compare", str(ftm), "--rule", "ofac-50", "--as-of", "2025-01-01")
    assert code == 0, err
    assert "Compared with OpenSanctions tags sanction.control, export.control.linked" in out
    code, out, _ = run(
        "compare", str(ftm), "--rule", "ofac-50", "--as-of", "2025-01-01", "-f", "json"
    )
    assert json.loads(out)["rule"] == "ofac-50"


def test_import_of_a_broken_file_names_file_and_record(tmp_path: Path) -> None:
    broken = tmp_path / "consolidated.csv"
    broken.write_text(
        "_id,source,name,start_date\nabc,Entity List (EL) - Bureau of Industry and Security,Acme,2020-13-45\n"
    )
    code, _, err = run("import", str(broken), "--out", str(tmp_path / "x.yaml"))
    assert code == 2
    assert str(broken) in err and "Traceback" not in err


def test_affiliates_table_shows_the_first_rows_and_says_how_many_more() -> None:
    code, out, _ = run("affiliates", "Inspur Group", "--as-of", "2023-06-01", "--limit", "2")
    assert code == 0
    rows = re.findall(r"│ exposed │ (\d+)\. ", out)
    assert rows == ["1", "2"]
    assert "9 more not shown; --limit 0 shows every row" in out
    assert out.rstrip().endswith(
        "11 affiliates of Inspur Group Co., Ltd.: 0 listed, 0 covered, 11 exposed, 0 clear"
    )
    code, every, _ = run("affiliates", "Inspur Group", "--as-of", "2023-06-01", "--limit", "0")
    assert re.findall(r"│ exposed │ (\d+)\. ", every) == [str(k) for k in range(1, 12)]
    assert "more not shown" not in every


def test_analyze_table_shows_the_most_exposed_rows_first_and_says_how_many_more() -> None:
    code, every, _ = run("analyze", "--as-of", "2023-06-01", "--limit", "0")
    assert code == 0
    rows = re.findall(r"^│ (\w+) +│ ([^│]+?) +│", every, flags=re.M)
    statuses = [status for status, _ in rows]
    assert "more not shown" not in every
    code, out, _ = run("analyze", "--as-of", "2023-06-01", "--limit", "3")
    assert code == 0
    first = re.findall(r"^│ (\w+) +│ ([^│]+?) +│", out, flags=re.M)
    assert first == rows[:3]
    assert f"{len(statuses) - 3:,} more not shown; --limit 0 shows every row" in out
    assert statuses[0] == "exposed" and statuses == sorted(
        statuses, key=["exposed", "covered", "listed", "clear"].index
    )


def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path: Path) -> None:
    """``ownership analyze | head``: once the reader has gone, the command stops with the
    status of a command ended by SIGPIPE and writes no error (it is not a bug)."""
    import subprocess
    import sys

    from ownership.io import save
    from ownership.model import Dataset, Entity

    path = tmp_path / "many.yaml"  # megabytes written in several writes: more than a pipe holds
    save(
        Dataset(entities=[Entity(id=f"e{k}", name=f"Entity {k} Ltd") for k in range(20_000)]), path
    )
    command = [sys.executable, "-m", "ownership", "analyze", "--data", str(path), "-f", "jsonl"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        assert json.loads(process.stdout.readline())["id"] == "e0"
        process.stdout.close()
        errors = process.stderr.read().decode()
        assert process.wait() == 141
    assert errors == ""


def test_a_command_writing_to_a_pipe_leaves_standard_error_empty() -> None:
    """No progress bar, and no blank line in its place, when stderr is no terminal."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "ownership", "analyze", "-f", "jsonl"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.count("\n") == 18
    assert done.stderr == ""
