"""Look-through shares on the scale engines: rounds of integer increments, and for the
look-through rule the exact re-check near its threshold (:mod:`ownership.scale.engine`
runs them)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from ..computed import LOOK_THROUGH_EXACT_MARGIN, on_its_side
from ..errors import OwnershipError
from ..propagate import Compiled, exact_look_through
from ..rules.base import Threshold
from .base import HUNDRED, SCALE, ZERO, Executor, ScaleRun

__all__ = ["INCREMENT_UNIT", "LOOK_THROUGH_ROUNDS", "look_through_coverage", "look_through_shares"]

#: Rounds of look-through increments before the engine gives up (a ring of cross-holdings
#: near 100% converges slowly); the in-memory engine solves such rings directly.
LOOK_THROUGH_ROUNDS = 10_000
#: Look-through increments are integers: the share (0..1) times this. Each term of a sum
#: is worked out on its own and rounded down, and integer sums do not depend on the order
#: an engine adds them in, so a run gives the same shares, to the bit, every time; what
#: rounding drops is under 1e-15 a term, far below the 1e-9 shares are compared at.
INCREMENT_UNIT = 10**15


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


def look_through_coverage(ex: Executor, threshold: Threshold, run: ScaleRun) -> None:
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
            decided[i] = (threshold.met_by(percent), on_its_side(percent, threshold) / 100)
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
        ex.append("anc", "SELECT id FROM anc_front")
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
            """SELECT n.id, n.seed, n.closed_ring FROM nodes n
               WHERE n.id IN (SELECT id FROM anc)
                  OR n.id IN (SELECT p.src FROM pairs p JOIN anc a ON a.id = p.dst)"""
        )
    }
    return _compiled(ids, local, rows, flags), local


def _compiled(
    ids: list[int],
    local: dict[int, int],
    rows: list[tuple[Any, ...]],
    flags: dict[int, tuple[bool, bool]],
) -> Compiled:
    """A :class:`Compiled` of the fetched ``rows`` (pairs) over entities ``ids``, entity
    ``ids[k]`` at position ``k`` (``local``)."""
    from ..propagate.arrays import stable_order

    n = len(ids)

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
