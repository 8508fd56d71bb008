"""The command lines a case runs: every command that reads user files, in the output
formats a pipeline uses, plus option values a user can mistype.

Paths are relative to the case folder: inputs under ``in/``, helper inputs under
``aux/``, everything written under ``out/``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from random import Random

__all__ = [
    "DATASET_COMMANDS",
    "GRAPH_COMMANDS",
    "ODD_OPTIONS",
    "CommandContext",
    "dataset_command",
    "odd_option_command",
]

RULES = ("bis-affiliates", "ofac-50", "eu", "uk", "look-through", "listed-only")
DATES = ("2025-10-01", "2023-06-01", "2019-01-01", "2026-12-01")

#: Command kinds for dataset inputs and their weights in random draws.
DATASET_COMMANDS: dict[str, float] = {
    "validate": 3,
    "analyze-table": 2,
    "analyze-json": 2,
    "analyze-jsonl": 1,
    "analyze-csv": 2,
    "explain": 2,
    "explain-json": 1,
    "affiliates-csv": 2,
    "affiliates-table": 1,
    "import": 2,
    "map": 1,
    "export-csv": 1,
    "export-graphml": 0.5,
    "export-ftm": 0.3,
    "export-gexf": 0.2,
    "export-cytoscape": 0.2,
    "show": 1,
    "show-json": 0.5,
    "timeline": 0.5,
    "screen": 1,
    "compare": 0.3,
    "plot": 0.2,
}
#: For the big generated graphs: what an analyst runs on a large group.
GRAPH_COMMANDS: dict[str, float] = {
    "validate": 1,
    "analyze-json": 2,
    "analyze-csv": 2,
    "analyze-table": 1,
    "explain": 2,
    "affiliates-csv": 2,
    "affiliates-table": 1,
    "map": 1,
    "export-csv": 1,
    "import": 1,
    "show": 0.5,
    "timeline": 0.3,
}

COUNTERPARTIES = "aux/counterparties.csv"


@dataclass(frozen=True)
class CommandContext:
    """What a command needs to know about the case: its input paths (relative to the
    case folder), names to ask about, and an FtM file when there is one."""

    inputs: tuple[str, ...]
    names: tuple[str, ...]
    ftm_file: str | None = None


def _data(ctx: CommandContext) -> list[str]:
    return [x for path in ctx.inputs for x in ("--data", path)]


def _rule_options(rng: Random) -> list[str]:
    out: list[str] = []
    if rng.random() < 0.7:
        out += ["--rule", rng.choice(RULES)]
    if rng.random() < 0.8:
        out += ["--as-of", rng.choice(DATES)]
    if rng.random() < 0.3:
        out += ["--allow-conflicts"]
    return out


def weighted(rng: Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, [weights[k] for k in keys])[0]


def dataset_command(kind: str, ctx: CommandContext, rng: Random) -> list[str]:
    """The argument list of one command kind on the case's dataset."""
    name = rng.choice(ctx.names) if ctx.names else "Inspur Group"
    data = _data(ctx)
    opts = _rule_options(rng)
    if kind == "validate":
        extra = [rng.choice(["--strict", "--allow-conflicts"])] if rng.random() < 0.3 else []
        return ["validate", *ctx.inputs, *extra]
    if kind.startswith("analyze-"):
        return ["analyze", *data, "--format", kind.split("-", 1)[1], *opts]
    if kind in ("explain", "explain-json"):
        fmt = ["--format", "json"] if kind == "explain-json" else []
        return ["explain", name, *data, *opts, *fmt]
    if kind.startswith("affiliates-"):
        extra = []
        if rng.random() < 0.3:
            extra += ["--scope", rng.choice(["parents", "group", "subsidiaries"])]
        if rng.random() < 0.3:
            extra += ["--unlisted"]
        if kind == "affiliates-table" and rng.random() < 0.3:
            extra += ["--limit", "0"]
        return ["affiliates", name, *data, "--format", kind.split("-", 1)[1], *opts, *extra]
    if kind == "import":
        out = rng.choice(["out/imported.yaml", "out/imported.json", "out/imported"])
        extra = ["--no-link"] if rng.random() < 0.2 else []
        extra += ["--report", "out/report.json"] if rng.random() < 0.3 else []
        return ["import", *ctx.inputs, "--out", out, *extra]
    if kind == "map":
        focus = [name] if rng.random() < 0.5 else []
        depth = ["--depth", str(rng.randint(1, 3))] if focus and rng.random() < 0.5 else []
        return ["map", *focus, *data, "--out", "out/map.html", *depth, *opts]
    if kind.startswith("export-"):
        target = {
            "export-csv": "out/export-csv",
            "export-graphml": "out/graph.graphml",
            "export-ftm": "out/graph.ftm.json",
            "export-gexf": "out/graph.gexf",
            "export-cytoscape": "out/graph.cyjs",
        }[kind]
        rule = ["--rule", rng.choice(RULES)] if rng.random() < 0.5 else []
        return ["export", target, *data, *rule]
    if kind in ("show", "show-json"):
        return ["show", name, *data] + (["--format", "json"] if kind == "show-json" else [])
    if kind == "timeline":
        return ["timeline", name, *data] + (["--group"] if rng.random() < 0.3 else [])
    if kind == "screen":
        fmt = ["--format", rng.choice(["table", "csv", "json"])]
        return ["screen", COUNTERPARTIES, *data, *fmt, *opts]
    if kind == "compare":
        target = ctx.ftm_file or ctx.inputs[0]
        return ["compare", target, *(data if ctx.ftm_file is None else []), *opts]
    if kind == "plot":
        return ["plot", name, *data, "--out", "out/plot.svg", *opts]
    raise ValueError(f"unknown command kind {kind!r}")


def counterparty_command(path: str, rng: Random) -> list[str]:
    """Screening a (mutated) counterparty file against the bundled case or a CSV folder."""
    data = ["--data", "aux/byod"] if rng.random() < 0.5 else []
    extra: list[str] = []
    if rng.random() < 0.5:
        extra += ["--format", rng.choice(["table", "csv", "json", "jsonl"])]
    if rng.random() < 0.3:
        extra += ["--fail-on", rng.choice(["listed", "covered", "exposed"])]
    if rng.random() < 0.2:
        extra += ["--name-column", "customer", "--country-column", "country"]
    return ["screen", path, *data, *extra, *_rule_options(rng)]


def same_as_command(path: str, rng: Random) -> list[str]:
    """Importing the linking test group with a (mutated) review file."""
    out = rng.choice(["out/linked.yaml", "out/linked.json", "out/linked"])
    return [
        "import",
        "aux/link_group.yaml",
        "aux/ofac_advanced.xml",
        "--same-as",
        path,
        "--out",
        out,
    ]


Builder = Callable[[CommandContext, Random], list[str]]


def _analyze(*extra: str) -> Builder:
    return lambda ctx, rng: [
        "analyze",
        *_data(ctx),
        "--format",
        rng.choice(["json", "csv", "table"]),
        *extra,
    ]


def _with_name(command: str, *extra: str, name: str | None = None) -> Builder:
    def build(ctx: CommandContext, rng: Random) -> list[str]:
        chosen = name if name is not None else rng.choice(ctx.names or ("Inspur Group",))
        return [command, chosen, *_data(ctx), *extra]

    return build


def _plain(*args: str, data: bool = True) -> Builder:
    return lambda ctx, rng: [*args, *(_data(ctx) if data else [])]


def _odd_thresholds() -> dict[str, Builder]:
    values = (
        "nan", "NaN", "-nan", "sNaN", "1e309", "-1e309", "inf", "-Infinity", "-0", "1e-400",
        "1e999999999", "33.333333333333333333333333333", "100.0000000000000000000000000001",
        "", " ", "50%%", "0x32", "1_0", "٥٠", "５０", "5e1",
    )  # fmt: skip
    out = {f"threshold={v}": _analyze("--threshold", v) for v in values}
    out["custom-threshold=nan"] = _analyze("--rule", "custom", "--threshold", "nan")
    out["custom-threshold=1e-400"] = _analyze("--rule", "custom", "--threshold", "1e-400")
    return out


def _odd_dates() -> dict[str, Builder]:
    values = (
        "2025-13-01", "2025-02-30", "2025-00-10", "0000-01-01", "0001-01-01", "9999-12-31",
        "10000-01-01", "", "2025-1-1", "20250101", "2025-06-01T00:00", "-2025-01-01",
        "２０２５-０１-０１",
    )  # fmt: skip
    out: dict[str, Builder] = {}
    for value in values:
        out[f"as-of={value}"] = _analyze("--as-of", value)
        out[f"explain-as-of={value}"] = _with_name("explain", "--as-of", value)
    out["rules-as-of=9999-12-31"] = lambda ctx, rng: ["rules", "--as-of", "9999-12-31"]
    out["rules-as-of=0001-01-01"] = lambda ctx, rng: [
        "rules",
        "--as-of",
        "0001-01-01",
        "-f",
        "json",
    ]
    return out


def _odd_misc() -> dict[str, Builder]:
    huge = str(10**30)
    out: dict[str, Builder] = {
        "max-depth=-1": _with_name("affiliates", "--max-depth", "-1", "-f", "csv"),
        "max-depth=0": _with_name("affiliates", "--max-depth", "0"),
        "max-depth=huge": _with_name("affiliates", "--max-depth", huge),
        "min-percent=nan": _with_name("affiliates", "--min-percent", "nan", "-f", "csv"),
        "min-percent=inf": _with_name("affiliates", "--min-percent", "inf"),
        "min-percent=-1e309": _with_name("affiliates", "--min-percent", "-1e309"),
        "limit=-1": _with_name("affiliates", "--limit", "-1"),
        "limit=huge": _with_name("affiliates", "--limit", huge),
        "map-depth=-1": _with_name("map", "--depth", "-1", "--out", "out/m.html"),
        "map-depth=huge": _with_name("map", "--depth", huge, "--out", "out/m.html"),
        "min-score=nan": lambda ctx, rng: [
            "screen",
            COUNTERPARTIES,
            *_data(ctx),
            "--min-score",
            "nan",
        ],
        "min-score=-1e309": lambda ctx, rng: ["screen", COUNTERPARTIES, "--min-score", "-1e309"],
        "name-column=empty": lambda ctx, rng: ["screen", COUNTERPARTIES, "--name-column", ""],
        "name-column=missing": lambda ctx, rng: ["screen", COUNTERPARTIES, "--name-column", "nope"],
        "lists=empty": _analyze("--lists", ""),
        "lists=colon": _analyze("--lists", ":"),
        "lists=sdn-colon": _analyze("--lists", "sdn:"),
        "lists=double-colon": _analyze("--lists", "sdn::NPWMD"),
        "lists=long": _analyze("--lists", "x" * 5000),
        "rule=empty": _analyze("--rule", ""),
        "rule=unknown": _analyze("--rule", "ofac-51"),
        "rule=custom-strict-per-owner": _analyze("--rule", "custom", "--strict", "--per-owner"),
        "name=empty": _with_name("explain", name=""),
        "name=space": _with_name("explain", name="   "),
        "name=zero-width": _with_name("affiliates", name="\u200b"),
        "name=long": _with_name("explain", name="Inspur " * 20000),
        "name=markup": _with_name("affiliates", name="[/]"),
        "name=percent": _with_name("show", name="%"),
        "import-out=.txt": lambda ctx, rng: ["import", *ctx.inputs, "--out", "out/x.txt"],
        "import-out=missing-dir": lambda ctx, rng: [
            "import",
            *ctx.inputs,
            "--out",
            "out/a/b/x.yaml",
        ],
        "import-out=dir": lambda ctx, rng: ["import", *ctx.inputs, "--out", "out"],
        "import-out=trailing-slash": lambda ctx, rng: [
            "import",
            *ctx.inputs,
            "--out",
            "out/x.yaml/",
        ],
        "import-same-as=missing": lambda ctx, rng: [
            "import",
            *ctx.inputs,
            "--same-as",
            "aux/nope.csv",
            "--out",
            "out/x.yaml",
        ],
        "import-same-as=dataset": lambda ctx, rng: [
            "import",
            *ctx.inputs,
            "--same-as",
            ctx.inputs[0],
            "--out",
            "out/x.yaml",
        ],
        "export=unknown-suffix": _plain("export", "out/graph.unknown"),
        "export=csv-into-file": _plain("export", "out/graph.graphml", "--format", "csv"),
        "export=existing-dir": _plain("export", "out"),
        "export=rule-unknown": _plain("export", "out/g.gexf", "--rule", "nope"),
        "map-out=dir": _plain("map", "--out", "out"),
        "map-out=missing-dir": _plain("map", "--out", "out/a/b/m.html"),
        "plot-out=.txt": _plain("plot", "--out", "out/p.txt"),
        "data=missing": lambda ctx, rng: ["analyze", "--data", "in/missing.yaml"],
        "data=dev-null": lambda ctx, rng: ["validate", "/dev/null"],
        "data=directory-empty": lambda ctx, rng: ["validate", "out"],
        "validate=same-file-twice": lambda ctx, rng: ["validate", ctx.inputs[0], ctx.inputs[0]],
        "validate=dash": lambda ctx, rng: ["validate", "-"],
        "no-cache": lambda ctx, rng: ["--no-cache", "analyze", *_data(ctx), "-f", "jsonl"],
    }
    return out


#: Odd option values, each a builder of a full command line on the case's (clean) data.
ODD_OPTIONS: dict[str, Builder] = {**_odd_thresholds(), **_odd_dates(), **_odd_misc()}


def odd_option_command(variant: str, ctx: CommandContext, rng: Random) -> list[str]:
    return ODD_OPTIONS[variant](ctx, rng)
