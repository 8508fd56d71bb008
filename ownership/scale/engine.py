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

import numpy as np

from ..errors import OwnershipError
from ..propagate.snapshot import inside_closed
from ..rules.base import Aggregation, Rule, Threshold
from ..verdict import CHAIN_SHOWN
from .base import HUNDRED, SCALE, ZERO, Executor, ScaleRun
from .look_through import look_through_coverage, look_through_shares
from .rounds import MERGE_ACC, TOTALS, big, reach_round, round_sql, text

__all__ = ["fixed_point", "reach", "run_rule", "snapshot"]


def run_rule(ex: Executor, rule: Rule, day: dt.date) -> ScaleRun:
    """Every entity's verdict under ``rule`` on ``day``, into the tables
    :func:`ownership.scale.output.verdict_query` reads (``classified``, ``legal_sums``,
    ``chains``); the tables ``entities``, ``holdings`` and ``listings`` must exist."""
    if rule.aggregation is Aggregation.per_owner:
        raise OwnershipError(
            f"rule {rule.name} counts what each designated person holds; the scale engines "
            "do not run per-person rules yet: use the default engine"
        )
    threshold = rule.threshold_on(day)
    run = ScaleRun(rule, day, rule.in_force_on(day), threshold)
    snapshot(ex, rule, day)
    aggregation = rule.aggregation if threshold is not None else None
    if aggregation is Aggregation.all:
        assert threshold is not None
        run.rounds["lower"] = fixed_point(ex, rule, threshold, upper=False, name="cov_lower")
        run.rounds["upper"] = fixed_point(ex, rule, threshold, upper=True, name="cov_upper")
    run.rounds["reach"] = reach(ex)
    run.rounds["look_through"] = look_through_shares(ex)
    if aggregation is Aggregation.look_through:
        assert threshold is not None
        look_through_coverage(ex, threshold, run)
    elif aggregation is not Aggregation.all:  # no threshold on the day, or no shares counted
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
    countries = ", ".join(text(c) for c in sorted(rule.out_of_scope_countries))
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
        low[:] = [int(r[2]) for r in rows]
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
