"""Output grows with the input, not its square: long chains, paths and lists of listed
ancestors are written in part, the rest by reference, and the parts join up."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path

from typer.testing import CliRunner

from ownership import analyze
from ownership.cli import app
from ownership.io import save
from ownership.io.verdicts import write_json
from ownership.model import Dataset, Entity, Holding, Listing
from ownership.verdict import CHAIN_SHOWN, LISTED_SHOWN
from ownership.verdict_json import write_verdict_lines

runner = CliRunner()


def chain(length: int, listed_every: int = 0) -> Dataset:
    ids = [f"c{i:05d}" for i in range(length)]
    listed = [ids[0], *(ids[k] for k in range(listed_every, length, listed_every or length))]
    return Dataset(
        entities=[Entity(id=i, name=f"Chain {i} Ltd", country="CN") for i in ids],
        holdings=[Holding(owner=a, owned=b, percent=60) for a, b in itertools.pairwise(ids)],
        listings=[Listing(entity=i, list="entity_list") for i in dict.fromkeys(listed)],
    )


def test_a_deep_chain_writes_output_linear_in_its_input(tmp_path: Path) -> None:
    path = tmp_path / "chain.yaml"
    save(chain(4000), path)
    size = path.stat().st_size
    for command in (("analyze", "-f", "json"), ("affiliates", "c00000", "-f", "json")):
        result = runner.invoke(app, [*command, "--data", str(path), "--as-of", "2025-10-01"])
        assert result.exit_code == 0, result.output
        assert len(result.stdout) < 30 * size, (command, len(result.stdout), size)


def test_cut_chains_join_up_into_the_whole_chain() -> None:
    dataset = chain(200)
    result = analyze(dataset, "bis-affiliates", "2025-10-01")
    rows = {v.id: v.to_dict() for v in result.verdicts()}
    last = rows["c00199"]
    assert len(last["chain"]) == CHAIN_SHOWN and last["chain_via"] == last["chain"][0]
    assert "… -> " in last["explanation"]
    whole, row = list(last["chain"]), last
    while row["chain_via"] is not None:
        row = rows[row["chain_via"]]
        whole = row["chain"][:-1] + whole
    assert whole == [f"c{i:05d}" for i in range(200)]
    assert result.chain_of("c00199") == whole
    assert rows["c00010"]["chain_via"] is None


def test_many_listed_ancestors_are_named_in_part_and_counted() -> None:
    result = analyze(chain(120, listed_every=2), "bis-affiliates", "2025-10-01")
    verdict = result.verdict("c00119")
    assert verdict.listed_ancestors_total == 60
    assert len(verdict.listed_ancestors) == LISTED_SHOWN
    assert list(verdict.listed_ancestors) == sorted(verdict.listed_ancestors)


def test_the_column_writer_cuts_as_the_row_writer_does() -> None:
    dataset = chain(150).model_copy(
        update={"listings": [Listing(entity=f"c{i:05d}", list="entity_list") for i in range(40)]}
    )
    result = analyze(dataset, "bis-affiliates", "2025-10-01")
    expected = io.StringIO()
    write_json([v.to_dict() for v in result.verdicts()], expected)
    written = io.BytesIO()
    write_verdict_lines(result, written, array=True, batch=7)
    assert written.getvalue().decode() == expected.getvalue()
    rows = json.loads(expected.getvalue())
    assert any(r["chain_via"] for r in rows) and any(r["listed_ancestors_total"] > 32 for r in rows)


def test_affiliate_paths_are_cut_with_a_reference() -> None:
    result = analyze(chain(100), "bis-affiliates", "2025-10-01")
    report = {a.id: a for a in result.affiliates("c00000")}
    far = report["c00099"]
    assert far.depth == 99 and len(far.path) == CHAIN_SHOWN
    assert far.path[-1] == "c00099" and far.path_via == far.path[0]
    near = report["c00005"]
    assert near.path_via is None and near.path[0] == "c00000"


def test_the_affiliates_table_shows_a_long_path_by_its_ends(tmp_path: Path) -> None:
    path = tmp_path / "chain.yaml"
    save(chain(12), path)
    result = runner.invoke(
        app,
        ["affiliates", "c00000", "--data", str(path), "--as-of", "2025-10-01"],
        env={"COLUMNS": "300"},
    )
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "11. Chain c00011 Ltd" in line)
    assert "Chain c00001 Ltd -> Chain c00002 Ltd -> Chain c00003 Ltd -> … -> " in row
    assert "-> Chain c00008 Ltd -> Chain c00009 Ltd -> Chain c00010 Ltd" in row
    assert "c00005" not in row
    short = next(line for line in result.stdout.splitlines() if "4. Chain c00004 Ltd" in line)
    assert (
        short.split("│")[-2].strip() == "Chain c00001 Ltd -> Chain c00002 Ltd -> Chain c00003 Ltd"
    )
