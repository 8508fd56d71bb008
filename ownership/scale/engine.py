"""A rule's verdicts on a date, worked out by SQL rounds on an engine beyond one process.

The algorithm is the in-memory engine's (:mod:`ownership.propagate`,
:mod:`ownership.computed`), written once over an :class:`Executor`: anything that can
make a table from a query, count it and fetch small results. DuckDB
(:mod:`~ownership.scale.duckdb_engine`) and Spark (:mod:`~ownership.scale.spark_engine`)
each give one; the statements are the same text for both.

Steps, each a handful of statements over the tables of :mod:`~ownership.scale.tables`:

1. the snapshot: the holdings active on the date merged per (owner, owned) pair as
   :mod:`ownership.stakes` says, stakes that cannot all be true counted from 0, the
   seeds the rule reads, closed rings;
2. the rule's fixed points at the lower and upper share bounds
   (:mod:`~ownership.scale.rounds`, semi-naive), and reachability from the seeds;
3. look-through shares by rounds of increments (Jacobi from zero, so closed rings get
   their least solution), and for the look-through rule the exact re-check, in
   rationals, of every share within :data:`~ownership.computed.LOOK_THROUGH_EXACT_MARGIN`
   of the threshold;
4. statuses, flags, legal percents, nearest listed entity and chain, as the in-memory
   verdicts give them (the chain climbs the covering owner of each round, else the path
   that reached the entity).

Rules that count shares per designated person (the UK rule) are refused by name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Protocol

import numpy as np

from ..computed import LOOK_THROUGH_EXACT_MARGIN, _on_its_side
from ..errors import OwnershipError
from ..propagate import Compiled, exact_look_through
from ..propagate.snapshot import inside_closed
from ..rules.base import Aggregation, Rule, Threshold
from ..verdict import CHAIN_SHOWN, STATUS_CODES, Flag
from .rounds import MERGE_ACC, TOTALS, big, reach_round, round_sql
from .tables import SHARE_PLACES

__all__ = [
    "LOOK_THROUGH_ROUNDS",
    "SCALE",
    "Executor",
    "ScaleRun",
    "fixed_point",
    "look_through_shares",
    "reach",
    "run_rule",
    "snapshot",
    "verdict_query",
]

#: Shares are integers: percent x SCALE.
SCALE = 10**SHARE_PLACES
HUNDRED = 100 * SCALE
#: Rounds of look-through increments before the engine gives up (a ring of cross-holdings
#: near 100% converges slowly); the in-memory engine solves such rings directly.
LOOK_THROUGH_ROUNDS = 10_000
#: Look-through increments are integers: the share (0..1) times this. Each term of a sum
#: is worked out on its own and rounded down, and integer sums do not depend on the order
#: an engine adds them in, so a run gives the same shares, to the bit, every time; what
#: rounding drops is under 1e-15 a term, far below the 1e-9 shares are compared at.
INCREMENT_UNIT = 10**15
ZERO = big(0)


class Executor(Protocol):
    """What the rounds need from an engine."""

    def table(self, name: str, query: str) -> None:
        """Make (or replace) table ``name`` from ``query``, which may read ``name``."""

    def append(self, name: str, query: str) -> None:
        """Add the rows of ``query`` (which does not read ``name``) to table ``name``."""

    def count(self, name: str) -> int: ...

    def rows(self, query: str) -> list[tuple[Any, ...]]: ...

    def load(self, name: str, table: Any) -> None:
        """Make table ``name`` from an Arrow table."""

    def single(self, value: str) -> str:
        """A list of one item."""

    def prepend(self, value: str, values: str) -> str:
        """The list ``values`` with ``value`` put first."""

    def joined(self, values: str, separator: str) -> str:
        """A list's items joined with ``separator`` as one string."""

    def has_control(self, text: str) -> str:
        """A condition: ``text`` holds a control character other than the newline."""


@dataclass
class ScaleRun:
    """What a run worked out: the tables it left, and the rounds each part took."""

    rule: Rule
    as_of: dt.date
    in_force: bool
    threshold: Threshold | None
    rounds: dict[str, int] = field(default_factory=dict)
    #: look-through shares decided exactly near the threshold, and those left undecided
    exact: int = 0
    undecided: int = 0


def run_rule(ex: Executor, rule: Rule, day: dt.date) -> ScaleRun:
    """Every entity's verdict under ``rule`` on ``day``, into table ``verdicts`` (see
    :func:`verdict_query`); the tables ``entities``, ``holdings`` and ``listings`` must
    exist."""
    if rule.aggregation is Aggregation.per_owner:
        raise OwnershipError(
            f"rule {rule.name} counts what each designated person holds; the scale engines "
            "do not run per-person rules yet: use the default engine"
        )
    threshold = rule.threshold_on(day)
    run = ScaleRun(rule, day, rule.in_force_on(day), threshold)
    snapshot(ex, rule, day)
    covering = threshold is not None and rule.aggregation in (
        Aggregation.all,
        Aggregation.look_through,
    )
    if threshold is not None and rule.aggregation is Aggregation.all:
        run.rounds["lower"] = fixed_point(ex, rule, threshold, upper=False, name="cov_lower")
        run.rounds["upper"] = fixed_point(ex, rule, threshold, upper=True, name="cov_upper")
    run.rounds["reach"] = reach(ex)
    run.rounds["look_through"] = look_through_shares(ex)
    if threshold is not None and rule.aggregation is Aggregation.look_through:
        _look_through_coverage(ex, threshold, run)
    if not covering:  # the rule has no threshold on the day, or counts no shares
        for name in ("cov_lower", "cov_upper"):
            ex.table(name, "SELECT id, 0 AS round FROM nodes WHERE FALSE")
    _verdicts(ex, run)
    return run


# ---------------------------------------------------------------------------- snapshot
def snapshot(ex: Executor, rule: Rule, day: dt.date) -> None:
    """Tables ``pairs`` (one row per owner and owned entity, as
    :class:`~ownership.propagate.Compiled`), ``nodes`` (seed, out of scope, conflicted,
    closed ring) and ``totals``, for ``day``."""
    number = day.toordinal()
    hundred = big(HUNDRED)
    ex.table(
        "active",
        f"SELECT * FROM holdings WHERE start_day <= {number} AND {number} <= end_day",
    )
    # records of one provenance add up (upper bounds stop at 100); a pair's stake runs
    # from the lowest group's lower bound to the highest group's upper bound
    ex.table(
        "stake_groups",
        f"""SELECT owner AS src, owned AS dst, provenance, SUM(low) AS g_low,
                   LEAST(SUM(high), {hundred}) AS g_high,
                   BOOL_OR(low_strict) AS g_low_strict,
                   BOOL_OR(high_strict) AND SUM(high) < {hundred} AS g_high_strict
            FROM active WHERE NOT control GROUP BY owner, owned, provenance""",
    )
    ex.table(
        "stakes",
        """SELECT g.src, g.dst, b.low, b.high, b.groups > 1 AS alternative,
                  SUM(CASE WHEN g.g_low = b.low THEN 1 ELSE 0 END)
                    = SUM(CASE WHEN g.g_low = b.low AND g.g_low_strict THEN 1 ELSE 0 END)
                    AS low_strict,
                  SUM(CASE WHEN g.g_high = b.high THEN 1 ELSE 0 END)
                    = SUM(CASE WHEN g.g_high = b.high AND g.g_high_strict THEN 1 ELSE 0 END)
                    AS high_strict
           FROM stake_groups g
           JOIN (SELECT src, dst, MIN(g_low) AS low, MAX(g_high) AS high, COUNT(*) AS groups
                 FROM stake_groups GROUP BY src, dst) b ON b.src = g.src AND b.dst = g.dst
           GROUP BY g.src, g.dst, b.low, b.high, b.groups""",
    )
    ex.table(
        "links",
        f"""SELECT l.src, l.dst, l.has_share, l.control,
                   COALESCE(s.low, {ZERO}) AS low, COALESCE(s.high, {ZERO}) AS high,
                   COALESCE(s.low_strict, FALSE) AS low_strict,
                   COALESCE(s.high_strict, FALSE) AS high_strict,
                   COALESCE(s.alternative, FALSE) AS alternative
            FROM (SELECT owner AS src, owned AS dst, BOOL_OR(NOT control) AS has_share,
                         BOOL_OR(control) AS control
                  FROM active GROUP BY owner, owned) l
            LEFT JOIN stakes s ON s.src = l.src AND s.dst = l.dst""",
    )
    # stakes that cannot all be true (lower bounds past 100, or at 100 with one of them
    # exclusive) count from 0
    ex.table(
        "conflicted",
        f"""SELECT dst AS id FROM links WHERE has_share GROUP BY dst
            HAVING SUM(low) > {hundred}
                OR (SUM(low) = {hundred} AND BOOL_OR(low_strict))""",
    )
    ex.table(
        "pairs",
        f"""SELECT l.src, l.dst, l.has_share, l.control, l.alternative, l.high,
                   l.high_strict,
                   CASE WHEN c.id IS NOT NULL AND l.has_share THEN {ZERO} ELSE l.low END
                     AS low,
                   CASE WHEN c.id IS NOT NULL AND l.has_share THEN FALSE ELSE l.low_strict END
                     AS low_strict,
                   (l.has_share AND l.high > {ZERO}) OR l.control AS usable
            FROM links l LEFT JOIN conflicted c ON c.id = l.dst""",
    )
    _seeds(ex, rule, number)
    _closed_rings(ex)
    countries = ", ".join(_text(c) for c in sorted(rule.out_of_scope_countries))
    out_of_scope = f"COALESCE(e.country IN ({countries}), FALSE)" if countries else "FALSE"
    ex.table(
        "nodes",
        f"""SELECT e.id, s.id IS NOT NULL AS seed, {out_of_scope} AS out_of_scope,
                   c.id IS NOT NULL AS conflicted, r.id IS NOT NULL AS closed_ring
            FROM entities e
            LEFT JOIN seeds s ON s.id = e.id
            LEFT JOIN conflicted c ON c.id = e.id
            LEFT JOIN closed_members r ON r.id = e.id""",
    )
    ex.table("totals", TOTALS)


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _seeds(ex: Executor, rule: Rule, number: int) -> None:
    """Table ``seeds``: entities with a listing active on the day, on a list the rule
    reads (the rule object decides, once per list and programme)."""
    import pyarrow as pa

    pairs = ex.rows("SELECT DISTINCT list_id, program FROM listings")
    read = sorted(((lst, prog) for lst, prog in pairs if rule.reads(lst, prog)), key=str)
    ex.load(
        "read_lists",
        pa.table(
            {
                "list_id": pa.array([lst for lst, _ in read], type=pa.string()),
                "program": pa.array([prog for _, prog in read], type=pa.string()),
            }
        ),
    )
    ex.table(
        "seeds",
        f"""SELECT DISTINCT l.entity AS id FROM listings l
            JOIN read_lists r ON r.list_id = l.list_id
                 AND r.program IS NOT DISTINCT FROM l.program
            WHERE l.start_day <= {number} AND {number} <= l.end_day""",
    )


def _closed_rings(ex: Executor) -> None:
    """Tables ``closed_members`` (entities on a ring owning itself 100% with no outside
    owner) and ``closed_links`` (the links inside such rings, left out of look-through).

    Only entities receiving exactly 100% can be members, so only the links among those
    are fetched; the rings among them are found as the in-memory engine finds them."""
    import pyarrow as pa

    hundred = big(HUNDRED)
    share_links = f"SELECT src, dst, low FROM pairs WHERE has_share AND low > {ZERO}"
    full = f"SELECT dst AS id FROM ({share_links}) GROUP BY dst HAVING SUM(low) = {hundred}"
    rows = ex.rows(
        f"""SELECT l.src, l.dst, l.low FROM ({share_links}) l
            JOIN ({full}) a ON a.id = l.src JOIN ({full}) b ON b.id = l.dst
            ORDER BY l.src, l.dst"""
    )
    members: list[int] = []
    inside_links: list[tuple[int, int]] = []
    if rows:
        nodes = sorted({r[0] for r in rows} | {r[1] for r in rows})
        local = {node: k for k, node in enumerate(nodes)}
        src = np.array([local[r[0]] for r in rows], dtype=np.int64)
        dst = np.array([local[r[1]] for r in rows], dtype=np.int64)
        low = np.empty(len(rows), dtype=object)
        low[:] = [_integer(r[2]) for r in rows]
        # every link into these entities is among the rows: they receive 100% in all
        closed = inside_closed(len(nodes), src, dst, low, HUNDRED)
        members = sorted({nodes[int(d)] for d in dst[closed]})
        seeds = {row[0] for row in ex.rows("SELECT id FROM seeds")}
        # look-through drops links into seeds first, then the links inside closed rings
        keep = np.array([nodes[int(d)] not in seeds for d in dst], dtype=bool)
        ring = np.zeros(len(nodes), dtype=bool)
        ring[[local[m] for m in members]] = True
        dropped = inside_closed(len(nodes), src[keep], dst[keep], low[keep], HUNDRED, ring)
        kept_rows = np.flatnonzero(keep)[dropped]
        inside_links = [(nodes[int(src[k])], nodes[int(dst[k])]) for k in kept_rows]
    ex.load("closed_members", pa.table({"id": pa.array(members, type=pa.int64())}))
    ex.load(
        "closed_links",
        pa.table(
            {
                "src": pa.array([a for a, _ in inside_links], type=pa.int64()),
                "dst": pa.array([b for _, b in inside_links], type=pa.int64()),
            }
        ),
    )


def _integer(value: Any) -> int:
    return int(value)


# ------------------------------------------------------------------------ fixed points
def fixed_point(
    ex: Executor, rule: Rule, threshold: Threshold, *, upper: bool, name: str, scale: int = SCALE
) -> int:
    """The aggregated rule's least fixed point at one share bound, into table ``name``
    (id, round) with table ``acc`` left for :data:`~ownership.scale.rounds.RoundSQL.
    received`; returns the rounds it took."""
    sql = round_sql(rule, threshold, scale, upper=upper)
    ex.table("covered", "SELECT id, 0 AS round FROM nodes WHERE seed")
    ex.table("frontier", "SELECT id FROM covered")
    ex.table(
        "acc",
        f"""SELECT id, {ZERO} AS acc, 0 AS acc_strict, {ZERO} AS in_low, 0 AS in_low_strict
            FROM nodes WHERE FALSE""",
    )
    level = 0
    while ex.count("frontier"):
        level += 1
        ex.table("step", sql.step)
        if not ex.count("step"):
            break
        ex.table("acc", MERGE_ACC)
        ex.table("frontier", sql.joins)
        ex.append("covered", f"SELECT id, {level} AS round FROM frontier")
    ex.table(name, "SELECT id, round FROM covered")
    return level


def reach(ex: Executor, *, with_pair: bool = False) -> int:
    """Table ``reached`` (id, depth, src, nearest[, pair]): breadth-first from the seeds
    over usable pairs, each entity by its smallest owner; returns the rounds."""
    pair = ", CAST(-1 AS BIGINT) AS pair" if with_pair else ""
    ex.table(
        "reached",
        f"""SELECT id, 0 AS depth, CAST(-1 AS BIGINT) AS src, id AS nearest{pair}
            FROM nodes WHERE seed""",
    )
    ex.table("frontier", "SELECT id FROM reached")
    level = 0
    while ex.count("frontier"):
        ex.table("step", reach_round(with_pair=with_pair))
        if not ex.count("step"):
            break
        level += 1
        pair = ", s.pair" if with_pair else ""
        ex.table(
            "frontier",
            f"""SELECT s.id, {level} AS depth, s.src, r.nearest{pair}
                FROM step s JOIN reached r ON r.id = s.src""",
        )
        ex.append("reached", "SELECT * FROM frontier")
    return level


# ------------------------------------------------------------------------ look-through
def look_through_shares(ex: Executor) -> int:
    """Table ``shares`` (id, x): the look-through share (0..1) the seeds hold of every
    entity they reach, by rounds of increments over the share links (links into a seed
    and inside closed rings left out), in units of :data:`INCREMENT_UNIT`; returns the
    rounds."""
    ex.table(
        "lt",
        f"""SELECT p.src, p.dst, CAST(p.low AS DOUBLE) / {float(HUNDRED)!r} AS w
            FROM pairs p JOIN nodes n ON n.id = p.dst
            LEFT JOIN closed_links c ON c.src = p.src AND c.dst = p.dst
            WHERE p.has_share AND p.low > {ZERO} AND NOT n.seed AND c.src IS NULL""",
    )
    unit = INCREMENT_UNIT
    ex.table("delta", f"SELECT id, CAST({unit} AS BIGINT) AS d FROM nodes WHERE seed")
    ex.table("increments", "SELECT id, d FROM delta")
    rounds = 0
    while ex.count("delta"):
        if rounds == LOOK_THROUGH_ROUNDS:
            raise OwnershipError(
                f"look-through shares did not settle in {LOOK_THROUGH_ROUNDS:,} rounds (a "
                "ring of cross-holdings close to 100%, or a chain of more links than "
                "that): use the default engine, which solves rings directly"
            )
        rounds += 1
        term = "CAST(FLOOR(l.w * CAST(d.d AS DOUBLE)) AS BIGINT)"
        ex.table(
            "delta",
            f"""SELECT l.dst AS id, SUM({term}) AS d FROM lt l JOIN delta d ON l.src = d.id
                GROUP BY l.dst HAVING SUM({term}) > 0""",
        )
        ex.append("increments", "SELECT id, d FROM delta")
    ex.table(
        "shares",
        f"""SELECT id, LEAST(CAST(SUM(d) AS DOUBLE) / {float(unit)!r}, CAST(1 AS DOUBLE)) AS x
            FROM increments GROUP BY id""",
    )
    return rounds


def _look_through_coverage(ex: Executor, threshold: Threshold, run: ScaleRun) -> None:
    """Tables ``cov_lower`` and ``cov_upper`` for the look-through rule: seeds, and shares
    meeting the threshold; shares within the margin of it are decided exactly (and
    written on their side of it), or left possibly covered when their ancestry is too
    large to solve exactly."""
    import pyarrow as pa

    limit = float(threshold.value) / 100
    near = [
        row[0]
        for row in ex.rows(
            f"""SELECT n.id FROM nodes n LEFT JOIN shares s ON s.id = n.id
                WHERE NOT n.seed
                  AND ABS(COALESCE(s.x, CAST(0 AS DOUBLE)) - {limit!r})
                      <= {LOOK_THROUGH_EXACT_MARGIN!r}
                ORDER BY n.id"""
        )
    ]
    decided: dict[int, tuple[bool, float]] = {}
    undecided: list[int] = []
    if near:
        compiled, local = _ancestry(ex, near)
        exact = exact_look_through(compiled, np.array([local[i] for i in near], dtype=np.int64))
        for i in near:
            share = exact.get(local[i])
            if share is None:
                undecided.append(i)
                continue
            percent = Fraction(share) * 100
            decided[i] = (threshold.met_by(percent), _on_its_side(percent, threshold) / 100)
    run.exact, run.undecided = len(decided), len(undecided)
    ex.load(
        "exact",
        pa.table(
            {
                "id": pa.array(list(decided), type=pa.int64()),
                "meets": pa.array([v[0] for v in decided.values()], type=pa.bool_()),
                "x": pa.array([v[1] for v in decided.values()], type=pa.float64()),
            }
        ),
    )
    ex.load("undecided", pa.table({"id": pa.array(undecided, type=pa.int64())}))
    ex.table(
        "shares",
        """SELECT s.id, COALESCE(e.x, s.x) AS x FROM shares s LEFT JOIN exact e ON e.id = s.id""",
    )
    op = ">=" if threshold.inclusive else ">"
    meets = f"""SELECT n.id, CASE WHEN n.seed THEN 0 ELSE 1 END AS round
                FROM nodes n LEFT JOIN shares s ON s.id = n.id
                LEFT JOIN exact e ON e.id = n.id LEFT JOIN undecided u ON u.id = n.id
                WHERE n.seed OR (u.id IS NULL
                      AND COALESCE(e.meets, COALESCE(s.x, CAST(0 AS DOUBLE)) {op} {limit!r}))"""
    ex.table("cov_lower", meets)
    ex.table("cov_upper", f"{meets} UNION ALL SELECT id, 1 FROM undecided")


def _ancestry(ex: Executor, targets: list[int]) -> tuple[Compiled, dict[int, int]]:
    """The pairs into ``targets`` and into every entity that holds shares of them, up to
    the seeds, as a small :class:`Compiled` for :func:`exact_look_through`."""
    import pyarrow as pa

    ex.load("anc", pa.table({"id": pa.array(sorted(set(targets)), type=pa.int64())}))
    ex.table("anc_front", "SELECT id FROM anc")
    while ex.count("anc_front"):
        ex.table(
            "anc_front",
            """SELECT DISTINCT l.src AS id FROM lt l JOIN anc_front f ON l.dst = f.id
               WHERE l.src NOT IN (SELECT id FROM anc)""",
        )
        ex.table("anc", "SELECT id FROM anc UNION ALL SELECT id FROM anc_front")
    rows = ex.rows(
        """SELECT p.src, p.dst, p.low, p.high, p.low_strict, p.high_strict, p.has_share,
                  p.control
           FROM pairs p JOIN anc a ON a.id = p.dst ORDER BY p.dst, p.src"""
    )
    ids = sorted({r[0] for r in rows} | {r[1] for r in rows} | set(targets))
    local = {node: k for k, node in enumerate(ids)}
    flags = {
        row[0]: (bool(row[1]), bool(row[2]))
        for row in ex.rows(
            "SELECT n.id, n.seed, n.closed_ring FROM nodes n JOIN anc a ON a.id = n.id"
        )
    }
    flags.update(
        {
            row[0]: (bool(row[1]), bool(row[2]))
            for row in ex.rows(
                """SELECT n.id, n.seed, n.closed_ring FROM nodes n
                   WHERE n.id IN (SELECT p.src FROM pairs p JOIN anc a ON a.id = p.dst)"""
            )
        }
    )
    return _compiled(ids, rows, flags), local


def _compiled(
    ids: list[int], rows: list[tuple[Any, ...]], flags: dict[int, tuple[bool, bool]]
) -> Compiled:
    """A :class:`Compiled` of the fetched ``rows`` (pairs) over entities ``ids``."""
    from ..propagate.arrays import stable_order

    n = len(ids)
    local = {node: k for k, node in enumerate(ids)}

    def column(k: int, kind: Any) -> np.ndarray:
        if kind is object:
            array = np.empty(len(rows), dtype=object)
            array[:] = [int(r[k]) for r in rows]
            return array
        return np.array([r[k] for r in rows], dtype=kind).reshape(-1)

    src = np.array([local[r[0]] for r in rows], dtype=np.int64).reshape(-1)
    dst = np.array([local[r[1]] for r in rows], dtype=np.int64).reshape(-1)
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    in_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=out_ptr[1:])
    np.cumsum(np.bincount(dst, minlength=n), out=in_ptr[1:])
    seeds = np.array([flags.get(i, (False, False))[0] for i in ids], dtype=bool)
    closed = np.array([flags.get(i, (False, False))[1] for i in ids], dtype=bool)
    return Compiled(
        ids=[str(i) for i in ids],
        index={str(i): k for k, i in enumerate(ids)},
        scale=SCALE,
        src=src,
        dst=dst,
        low=column(2, object),
        high=column(3, object),
        low_strict=column(4, bool),
        high_strict=column(5, bool),
        has_share=column(6, bool),
        control=column(7, bool),
        out_ptr=out_ptr,
        out_edges=stable_order(src, n),
        in_ptr=in_ptr,
        in_edges=stable_order(dst, n),
        seeds=seeds,
        closed_ring=closed,
    )


# ---------------------------------------------------------------------------- verdicts
def _verdicts(ex: Executor, run: ScaleRun) -> None:
    """Table ``verdicts``: per entity, the status code, flags, legal bounds (scaled),
    effective share, nearest listed entity and chain."""
    cover_walk = "lower" in run.rounds  # a fixed point of rounds, not look-through
    ex.table(
        "core",
        """SELECT n.id, n.seed, n.out_of_scope, n.conflicted, n.closed_ring,
                   lo.id IS NOT NULL AS lower, up.id IS NOT NULL AS upper,
                   COALESCE(lo.round, -1) AS lower_round,
                   r.id IS NOT NULL AS reached, r.nearest, COALESCE(s.x, CAST(0 AS DOUBLE)) AS x
            FROM nodes n
            LEFT JOIN cov_lower lo ON lo.id = n.id
            LEFT JOIN cov_upper up ON up.id = n.id
            LEFT JOIN reached r ON r.id = n.id
            LEFT JOIN shares s ON s.id = n.id""",
    )
    in_force = "TRUE" if run.in_force else "FALSE"
    ex.table(
        "classified",
        f"""SELECT c.*,
                   CASE WHEN c.seed THEN 0
                        WHEN {in_force} AND c.lower AND NOT c.out_of_scope THEN 1
                        WHEN c.reached THEN 2 ELSE 3 END AS code,
                   {in_force} AND c.upper AND NOT c.lower AND NOT c.seed AND c.reached
                     AS f_possibly,
                   {in_force} AND c.upper AND c.out_of_scope AND NOT c.seed AS f_out_of_scope,
                   NOT {in_force} AND c.lower AND NOT c.out_of_scope AND NOT c.seed AS f_would
            FROM core c""",
    )
    ex.table(
        "owner_sets",
        "SELECT id, seed OR lower AS counts_low, seed OR upper AS counts_high FROM core",
    )
    ex.table(
        "legal_sums",
        f"""SELECT p.dst AS id,
                   SUM(CASE WHEN p.has_share AND o.counts_low THEN p.low ELSE {ZERO} END)
                     AS low,
                   SUM(CASE WHEN p.has_share AND o.counts_high THEN p.high ELSE {ZERO} END)
                     AS high,
                   SUM(CASE WHEN p.has_share AND NOT o.counts_high THEN p.low ELSE {ZERO} END)
                     AS outside
            FROM pairs p JOIN owner_sets o ON o.id = p.src GROUP BY p.dst""",
    )
    _chains(ex, cover_walk)


def _chains(ex: Executor, cover_walk: bool) -> None:
    """Table ``chains`` (id, path, top, cut): from each entity up
    through the owner that covered it in an earlier round (the largest share, then the
    smallest id), else along the path that reached it; at most :data:`CHAIN_SHOWN`
    entities, cut where the walk would go on."""
    ups = ["SELECT id, 'r' AS kind, src AS up FROM reached WHERE src >= 0"]
    if cover_walk:
        ups.append(
            """SELECT id, 'c' AS kind, src AS up FROM (
                   SELECT p.dst AS id, p.src, ROW_NUMBER() OVER (
                       PARTITION BY p.dst ORDER BY p.has_share DESC, p.low DESC, p.src) AS k
                   FROM pairs p JOIN cov_lower i ON i.id = p.dst
                   JOIN cov_lower j ON j.id = p.src
                   WHERE i.round > 0 AND j.round < i.round) best
               WHERE k = 1"""
        )
    ex.table("ups", " UNION ALL ".join(ups))
    kind = "CASE WHEN lower THEN 'c' ELSE 'r' END" if cover_walk else "'r'"
    # an entity covered without being reached (a look-through threshold of 0) has no chain
    walks = "reached OR lower" if cover_walk else "reached"
    ex.table(
        "walk_start",
        f"SELECT id, {kind} AS kind FROM classified WHERE code <> 3 AND ({walks})",
    )
    # each walk carries its path (ids, top first), so no ordered aggregate is needed: a
    # path ends where its node has no owner to climb to, or is cut at CHAIN_SHOWN ids
    ex.table(
        "walk_front",
        f"""SELECT s.id, s.kind, s.id AS node, {ex.single("e.entity_id")} AS path
            FROM walk_start s JOIN entities e ON e.id = s.id""",
    )
    ended = """SELECT w.id, w.path, w.node AS top, FALSE AS cut FROM walk_front w
               LEFT JOIN ups u ON u.id = w.node AND u.kind = w.kind WHERE u.id IS NULL"""
    ex.table("chains", ended)
    for _ in range(1, CHAIN_SHOWN):
        ex.table(
            "walk_front",
            f"""SELECT w.id, w.kind, u.up AS node, {ex.prepend("e.entity_id", "w.path")} AS path
                FROM walk_front w JOIN ups u ON u.id = w.node AND u.kind = w.kind
                JOIN entities e ON e.id = u.up""",
        )
        if not ex.count("walk_front"):
            break
        ex.append("chains", ended)
    else:  # the paths still going on are cut
        ex.append(
            "chains",
            """SELECT w.id, w.path, w.node AS top, TRUE AS cut FROM walk_front w
               JOIN ups u ON u.id = w.node AND u.kind = w.kind""",
        )


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


def spreadsheet_cell(text: str) -> str:
    """SQL: ``text`` as :func:`ownership.io.cells.for_spreadsheet` writes a CSV cell (a
    leading quote where a spreadsheet would run a formula)."""
    starts = "'=', '+', '-', '@', chr(9), chr(13)"
    return f"(CASE WHEN substr({text}, 1, 1) IN ({starts}) THEN '''' || {text} ELSE {text} END)"


def control_in_ids(ex: Executor) -> str | None:
    """An entity id with a control character, if any: a CSV shows such characters as
    escapes (:func:`ownership.io.cells.visible`), which SQL does not write, so CSV output
    is refused for them (Parquet keeps them as they are)."""
    rows = ex.rows(f"SELECT entity_id FROM entities WHERE {ex.has_control('entity_id')} LIMIT 1")
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
               {_text(run.rule.label)} AS rule,
               '{run.as_of.isoformat()}' AS as_of
        FROM classified c
        JOIN entities e ON e.id = c.id
        LEFT JOIN legal_sums l ON l.id = c.id
        LEFT JOIN entities ne ON ne.id = c.nearest
        LEFT JOIN chains k ON k.id = c.id
        LEFT JOIN entities te ON te.id = k.top
        ORDER BY c.id"""
