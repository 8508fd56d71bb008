"""The verdict columns of a run, as one query: what ``analyze --engine`` writes.

Legal percents are written as the shortest decimal text of their exact value; CSV cells
are quoted against formulas as the default engine's CSV is (:mod:`ownership.io.cells`).
"""

from __future__ import annotations

from ..io.cells import CONTROL_CHARACTER, FORMULA_START
from ..verdict import STATUS_CODES, Flag
from .base import HUNDRED, ZERO, Executor, ScaleRun
from .rounds import big, text
from .tables import SHARE_PLACES

__all__ = ["control_in_ids", "decimal_text", "spreadsheet_cell", "verdict_query"]


def decimal_text(scaled: str) -> str:
    """SQL: a non-negative DECIMAL(38,0) share scaled by :data:`SCALE` as the percent's
    shortest decimal text (``33.3``, ``100``), as :func:`ownership.model.fmt_decimal`."""
    digits = f"CAST({scaled} AS STRING)"
    width = SHARE_PLACES + 1
    padded = (
        f"(CASE WHEN length({digits}) < {width} THEN lpad({digits}, {width}, '0') "
        f"ELSE {digits} END)"
    )
    whole = f"substr({padded}, 1, length({padded}) - {SHARE_PLACES})"
    fraction = f"regexp_replace(substr({padded}, length({padded}) - {SHARE_PLACES - 1}), '0+$', '')"
    return f"(CASE WHEN {fraction} = '' THEN {whole} ELSE {whole} || '.' || {fraction} END)"


#: :data:`ownership.io.cells.FORMULA_START` as SQL values (``chr``: both engines read it).
FORMULA_STARTS = ", ".join(f"chr({ord(c)})" for c in sorted(FORMULA_START))


def spreadsheet_cell(text: str) -> str:
    """SQL: ``text`` as :func:`ownership.io.cells.for_spreadsheet` writes a CSV cell (a
    leading quote where a spreadsheet would run a formula). The quote is ``chr(39)``:
    Spark reads ``''''`` as an empty string."""
    first = f"substr({text}, 1, 1)"
    return f"(CASE WHEN {first} IN ({FORMULA_STARTS}) THEN chr(39) || {text} ELSE {text} END)"


def control_in_ids(ex: Executor) -> str | None:
    """An entity id with a control character, if any: a CSV shows such characters as
    escapes (:func:`ownership.io.cells.visible`), which SQL does not write, so CSV output
    is refused for them (Parquet keeps them as they are)."""
    control = ex.matches("entity_id", CONTROL_CHARACTER)
    rows = ex.rows(f"SELECT entity_id FROM entities WHERE {control} LIMIT 1")
    return str(rows[0][0]) if rows else None


def verdict_query(ex: Executor, run: ScaleRun, *, lists: bool) -> str:
    """The verdict columns of every entity in dataset order: ``id``, ``status``,
    ``flags``, ``legal_percent``, ``legal_percent_max``, ``effective_percent``,
    ``nearest_listed``, ``chain``, ``chain_via``, ``rule``, ``as_of``. ``chain`` is a
    list when ``lists`` (Parquet), else its ids joined with ``;`` and every id cell
    quoted against formulas, as the CSV of the default engine; ``flags`` is joined with
    ``;`` either way."""
    statuses = " ".join(f"WHEN {k} THEN '{s.value}'" for k, s in enumerate(STATUS_CODES))
    window = []
    if not run.in_force:
        window.append(Flag.rule_not_in_force.value)
    fixed_window = run.rule.window_on(run.as_of)
    if fixed_window is not None and not fixed_window.verified:
        window.append(Flag.unverified_window.value)
    own = [
        ("f_possibly", Flag.possibly_covered),
        ("f_out_of_scope", Flag.out_of_scope_us_entity),
        ("f_would", Flag.would_be_covered),
        ("conflicted", Flag.conflicting_stakes),
        ("closed_ring", Flag.closed_ring),
    ]
    flag_items = [f"CASE WHEN c.{col} THEN '{flag.value}' END" for col, flag in own]
    flag_items += [f"'{w}'" for w in window]
    hundred = big(HUNDRED)
    low = f"CASE WHEN c.seed THEN {hundred} ELSE COALESCE(l.low, {ZERO}) END"
    high = (
        f"CASE WHEN c.seed THEN {hundred} ELSE GREATEST(COALESCE(l.low, {ZERO}), "
        f"LEAST(COALESCE(l.high, {ZERO}), {hundred} - COALESCE(l.outside, {ZERO}))) END"
    )
    cell = (lambda text: text) if lists else spreadsheet_cell
    chain = "k.path" if lists else cell(ex.joined("k.path", ";"))
    return f"""
        SELECT {cell("e.entity_id")} AS id,
               CASE c.code {statuses} END AS status,
               NULLIF(concat_ws(';', {", ".join(flag_items)}), '') AS flags,
               {decimal_text(low)} AS legal_percent,
               {decimal_text(high)} AS legal_percent_max,
               ROUND(c.x * 100, 6) AS effective_percent,
               CASE WHEN c.nearest IS NOT NULL AND c.nearest <> c.id
                    THEN {cell("ne.entity_id")} END AS nearest_listed,
               {chain} AS chain,
               CASE WHEN k.cut THEN {cell("te.entity_id")} END AS chain_via,
               {text(run.rule.label)} AS rule,
               '{run.as_of.isoformat()}' AS as_of
        FROM classified c
        JOIN entities e ON e.id = c.id
        LEFT JOIN legal_sums l ON l.id = c.id
        LEFT JOIN entities ne ON ne.id = c.nearest
        LEFT JOIN chains k ON k.id = c.id
        LEFT JOIN entities te ON te.id = k.top
        ORDER BY c.id"""
