"""Plans of cases and the cases themselves.

A plan is a list of small recipes drawn from a seed: family, format, seed file, variant,
command kind and a random seed of its own. It starts with one recipe per family and
format (and per variant of the small families, per command kind on clean data), so every
family, format and command appears in any run of a few hundred cases; the rest is drawn
by weights that keep the expensive families rare. ``build`` turns a recipe into files and
command lines, deterministically, so a worker process needs only the recipe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random

from .commands import (
    COUNTERPARTIES,
    DATASET_COMMANDS,
    GRAPH_COMMANDS,
    ODD_OPTIONS,
    CommandContext,
    counterparty_command,
    dataset_command,
    odd_option_command,
    same_as_command,
    weighted,
)
from .corpus import REPO, SAME_AS_DATASETS, Seed, SeedSpec, load_seed, seed_names
from .graphs import GRAPH_FORMATS, chain, emit, markup_group, ring
from .mutators import ALL_SYNTAXES, MUTATORS, PAYLOADS, byte_mutation

__all__ = ["FAMILIES", "Case", "Family", "Recipe", "Step", "build", "plan"]

DEFAULT_TIMEOUT = 15.0
BIG_TIMEOUT = 20.0


@dataclass(frozen=True)
class Family:
    """How a family makes cases, how often it is drawn, and what it must cover."""

    name: str
    weight: float
    kind: str  # "clean", "mutation", "options", "graph" or "cache"
    variants: tuple[str, ...] = ()
    syntaxes: frozenset[str] = ALL_SYNTAXES
    formats: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    mandatory_variants: tuple[str, ...] | None = None
    #: How many of its formats the mandatory recipes cover (None: all); the big graphs
    #: take two each, so a default run stays short.
    mandatory_formats: int | None = None
    #: (variant, format) pairs the mandatory recipes must also cover.
    mandatory_pairs: tuple[tuple[str, str], ...] = ()


#: Variants every run must try on particular formats: the encodings of the text files
#: users save from spreadsheets, and line separators inside JSON lines records.
MANDATORY_PAIRS: dict[str, tuple[tuple[str, str], ...]] = {
    "encoding": tuple(
        (encoding, fmt)
        for encoding in ("utf-16", "latin-1")
        for fmt in ("native-csv", "counterparty-csv", "same-as-csv")
    ),
    "separators": tuple(
        (separator, fmt)
        for separator in ("u2028", "u2029", "u0085")
        for fmt in ("ftm", "bods-jsonl")
    ),
}

#: Weights of the mutation families; the costly ones (nesting, long cells) stay rare.
MUTATION_WEIGHTS = {
    "bytes": 20,
    "types": 12,
    "nesting": 3,
    "long-cell": 3,
    "yaml-control": 3,
    "numbers": 10,
    "alias-bomb": 2,
    "separators": 5,
    "nul": 6,
    "encoding": 8,
    "markup": 10,
}

#: Families and their weights in random draws after the mandatory recipes.
FAMILIES: dict[str, Family] = {
    "clean": Family("clean", 4, "clean"),
    **{
        name: Family(
            name,
            weight,
            "mutation",
            MUTATORS[name].variants,
            MUTATORS[name].syntaxes,
            mandatory_pairs=MANDATORY_PAIRS.get(name, ()),
        )
        for name, weight in MUTATION_WEIGHTS.items()
    },
    "options": Family(
        "options",
        8,
        "options",
        tuple(ODD_OPTIONS),
        mandatory_variants=(
            "threshold=nan",
            "threshold=1e309",
            "as-of=2025-13-01",
            "explain-as-of=0000-01-01",
            "min-percent=nan",
            "import-out=.txt",
            "export=unknown-suffix",
            "name=markup",
        ),
    ),
    "chain": Family(
        "chain", 0.6, "graph", formats=GRAPH_FORMATS, timeout=BIG_TIMEOUT, mandatory_formats=2
    ),
    "ring": Family(
        "ring", 0.4, "graph", formats=GRAPH_FORMATS, timeout=BIG_TIMEOUT, mandatory_formats=2
    ),
    "markup-graph": Family(
        "markup-graph", 3, "graph", tuple(PAYLOADS), formats=GRAPH_FORMATS, mandatory_variants=()
    ),
    "cache": Family(
        "cache", 0.5, "cache", formats=("native-csv-big", "native-yaml"), timeout=BIG_TIMEOUT
    ),
}


@dataclass(frozen=True)
class Recipe:
    """Everything needed to rebuild a case: small enough to send to a worker."""

    index: int
    family: str
    fmt: str
    seed: str | None
    variant: str | None
    command: str | None
    rng_seed: int


@dataclass
class Step:
    """One command line, after (re)writing ``writes`` (paths relative to the case)."""

    args: list[str]
    writes: dict[str, bytes] = field(default_factory=dict)


@dataclass
class Case:
    """A built case: files relative to its folder, the steps to run, and labels."""

    recipe: Recipe
    files: dict[str, bytes]
    steps: list[Step]
    variant: str
    command: str
    timeout: float
    cache: bool = False


def _seeds_by_format(long: bool, family: Family) -> dict[str, list[SeedSpec]]:
    out: dict[str, list[SeedSpec]] = {}
    for spec in seed_names(long):
        if family.kind == "options" and spec.role != "dataset":
            continue
        if spec.syntaxes & family.syntaxes:
            out.setdefault(spec.fmt, []).append(spec)
    return out


def _formats(family: Family, long: bool) -> list[str]:
    if family.formats:
        return list(family.formats)
    return sorted(_seeds_by_format(long, family))


def _recipe(
    rng: Random,
    index: int,
    family: Family,
    fmt: str,
    variant: str | None,
    command: str | None,
    long: bool,
) -> Recipe:
    seed = None
    if family.kind in ("clean", "mutation", "options"):
        seed = rng.choice(_seeds_by_format(long, family)[fmt]).name
    if family.kind == "options" and variant is None:
        variant = rng.choice(family.variants)
    return Recipe(index, family.name, fmt, seed, variant, command, rng.getrandbits(63))


def _mandatory(rng: Random, long: bool) -> list[tuple[Family, str, str | None, str | None]]:
    items: list[tuple[Family, str, str | None, str | None]] = []
    for family in FAMILIES.values():
        formats = _formats(family, long)
        if family.mandatory_formats is not None:
            formats = rng.sample(formats, family.mandatory_formats)
        variants = (
            family.variants if family.mandatory_variants is None else family.mandatory_variants
        )
        for i, fmt in enumerate(formats):
            items.append((family, fmt, variants[i % len(variants)] if variants else None, None))
        for variant in variants[len(formats) :]:
            items.append((family, rng.choice(formats), variant, None))
        items += [(family, fmt, variant, None) for variant, fmt in family.mandatory_pairs]
    clean = FAMILIES["clean"]
    dataset_formats = sorted(
        f for f, specs in _seeds_by_format(long, clean).items() if specs[0].role == "dataset"
    )
    for command in DATASET_COMMANDS:
        fmt = "ftm" if command == "compare" else rng.choice(dataset_formats)
        items.append((clean, fmt, None, command))
    return items


def plan(seed: int, cases: int, long: bool = False) -> list[Recipe]:
    """``cases`` recipes from ``seed``: the mandatory ones first (shuffled), then drawn
    by the families' weights. The same seed and count give the same plan."""
    rng = Random(seed)
    items = _mandatory(rng, long)
    rng.shuffle(items)
    items = items[:cases]
    families = list(FAMILIES.values())
    while len(items) < cases:
        family = rng.choices(families, [f.weight for f in families])[0]
        items.append((family, rng.choice(_formats(family, long)), None, None))
    return [
        _recipe(rng, index, family, fmt, variant, command, long)
        for index, (family, fmt, variant, command) in enumerate(items)
    ]


def _aux_files(args: list[str]) -> dict[str, bytes]:
    """The clean helper inputs a command line names under ``aux/``."""
    wanted = " ".join(args)
    files: dict[str, bytes] = {}
    if COUNTERPARTIES in wanted:
        files[COUNTERPARTIES] = load_seed("counterparties.csv").files["counterparties.csv"]
    if "aux/byod" in wanted:
        files.update({f"aux/{k}": v for k, v in load_seed("byod").files.items()})
    for name in SAME_AS_DATASETS:
        if f"aux/{name}" in wanted:
            files[f"aux/{name}"] = load_seed(name).files[name]
    return files


def _in(files: dict[str, bytes]) -> dict[str, bytes]:
    return {f"in/{path}": data for path, data in files.items()}


def _seed_case(recipe: Recipe, rng: Random) -> Case:
    family = FAMILIES[recipe.family]
    seed = load_seed(recipe.seed or "")
    files, variant = seed.files, recipe.variant or "-"
    payload_names: tuple[str, ...] = ()
    target = next(iter(seed.files))
    if family.kind == "mutation":
        mutation = MUTATORS[family.name].func(rng, seed, recipe.variant)
        files, variant, target = mutation.files, mutation.variant, mutation.target
        # a NUL cannot be passed on a real command line, so such a name is not asked for
        payload_names = tuple(n for n in mutation.names if "\x00" not in n)
    names = payload_names if payload_names and rng.random() < 0.7 else seed.names
    ftm = next((f"in/{p}" for p in seed.inputs if seed.spec.fmt == "ftm"), None)
    ctx = CommandContext(tuple(f"in/{p}" for p in seed.inputs), names, ftm)
    if family.kind == "options":
        command = recipe.variant or "-"
        args = odd_option_command(command, ctx, rng)
    elif seed.spec.role == "counterparties":
        command, args = "screen", counterparty_command(f"in/{target}", rng)
    elif seed.spec.role == "same-as":
        command, args = "import-same-as", same_as_command(f"in/{target}", rng)
    else:
        command = recipe.command or weighted(rng, DATASET_COMMANDS)
        if command == "compare" and ftm is None:
            command = "analyze-json"
        args = dataset_command(command, ctx, rng)
    all_files = {**_in(files), **_aux_files(args)}
    return Case(recipe, all_files, [Step(args)], variant, command, family.timeout)


def _graph_case(recipe: Recipe, rng: Random) -> Case:
    family = FAMILIES[recipe.family]
    variant = recipe.variant or "-"
    if recipe.family == "chain":
        graph = chain(rng)
    elif recipe.family == "ring":
        graph = ring(rng)
    else:
        graph, variant = markup_group(rng, recipe.variant)
    files = emit(graph, recipe.fmt, recipe.family)
    inputs = tuple(dict.fromkeys(f"in/{p.split('/', 1)[0]}" for p in files))
    ctx = CommandContext(inputs, tuple(graph.names), inputs[0] if recipe.fmt == "ftm" else None)
    weights = GRAPH_COMMANDS if recipe.family in ("chain", "ring") else DATASET_COMMANDS
    command = recipe.command or weighted(rng, weights)
    if command == "compare" and ctx.ftm_file is None:
        command = "analyze-json"
    args = dataset_command(command, ctx, rng)
    return Case(
        recipe, {**_in(files), **_aux_files(args)}, [Step(args)], variant, command, family.timeout
    )


def _cache_case(recipe: Recipe, rng: Random) -> Case:
    """A folder or file large enough to be cached, read three times: to fill the cache,
    from it, and after an edit that must refresh it; then ``ownership cache``."""
    if recipe.fmt == "native-csv-big":
        seed = load_seed("inspur-csv-big")
        files, inputs, names = dict(seed.files), seed.inputs, seed.names
    else:
        graph = ring(rng)
        files, inputs, names = (
            emit(graph, "native-yaml", "ring"),
            ("ring.yaml",),
            tuple(graph.names),
        )
    ctx = CommandContext(tuple(f"in/{p}" for p in inputs), names)
    command = weighted(
        rng,
        {
            "analyze-json": 2,
            "analyze-csv": 2,
            "explain": 1,
            "affiliates-csv": 1,
            "show": 1,
            "validate": 1,
        },
    )
    args = dataset_command(command, ctx, rng)
    edited = byte_mutation(rng, _as_seed(files, inputs), rng.choice(["flip", "insert-token"]))
    changed = {f"in/{p}": d for p, d in edited.files.items() if files.get(p) != d}
    steps = [Step(args), Step(args), Step(args, changed), Step(["cache"])]
    family = FAMILIES["cache"]
    return Case(
        recipe, _in(files), steps, f"edit:{edited.variant}", command, family.timeout, cache=True
    )


def _as_seed(files: dict[str, bytes], inputs: tuple[str, ...]) -> Seed:
    """A stand-in seed around generated files, so the seed mutators can edit them."""
    spec = SeedSpec("generated", "native", "dataset", frozenset({"csv", "yaml"}))
    return Seed(spec, files, inputs)


def build(recipe: Recipe) -> Case:
    """The case a recipe describes; the same recipe always gives the same case."""
    rng = Random(recipe.rng_seed)
    kind = FAMILIES[recipe.family].kind
    if kind == "graph":
        return _graph_case(recipe, rng)
    if kind == "cache":
        return _cache_case(recipe, rng)
    return _seed_case(recipe, rng)


def bundled_size() -> int:
    """Bytes of the bundled dataset, the input of commands given no ``--data``."""
    try:
        from ownership import bundled_dataset

        return int(bundled_dataset().stat().st_size)
    except Exception:
        return (REPO / "fixtures" / "inspur.yaml").stat().st_size
