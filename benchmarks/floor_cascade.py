"""The floor for ``analyze`` end to end: a short script doing the core of the job.

Reads a CSV folder with pyarrow, takes the listings on the lists given as seeds, runs the
covered-set cascade (an entity is covered once the seeds and covered entities together
hold 50% or more of it, ownership links active on the day, a range counted from its
lower bound, one matrix product a round) with scipy.sparse, and writes ``id,status``
(listed, covered, other) to standard output. No control, sources, scope, flags, chains
or explanations: what the tool does around this is what its time above the floor pays
for. Its covered set is the tool's lower fixed point (a test holds them equal).

    python benchmarks/floor_cascade.py FOLDER 2026-12-03 '[["entity_list", ""]]' > out.csv
"""

import json
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv
from scipy import sparse


def read(path: str, columns: list[str]) -> pa.Table:
    numbers = {"percent", "minimum", "exclusiveMinimum"}
    types = {c: pa.float64() if c in numbers else pa.string() for c in columns}
    options = pv.ConvertOptions(
        include_columns=columns, column_types=types, strings_can_be_null=True
    )
    return pv.read_csv(path, convert_options=options)


def active(table: pa.Table, day: str) -> pa.Array:
    begun = pc.fill_null(pc.less_equal(table["start"], day), True)
    return pc.and_(begun, pc.fill_null(pc.greater_equal(table["end"], day), True))


def main() -> None:
    folder, day, seed_lists = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    ids = read(f"{folder}/entities.csv", ["id"])["id"]
    n = len(ids)
    columns = ["owner", "owned", "kind", "percent", "minimum", "exclusiveMinimum", "start", "end"]
    h = read(f"{folder}/holdings.csv", columns)
    h = h.filter(pc.and_(active(h, day), pc.equal(h["kind"], "ownership")))
    owner = pc.index_in(h["owner"], ids).to_numpy(zero_copy_only=False)
    owned = pc.index_in(h["owned"], ids).to_numpy(zero_copy_only=False)
    # a share, else a range's lower bound, else 0; in millionths, so sums are exact
    percent = pc.coalesce(h["percent"], h["minimum"], h["exclusiveMinimum"], 0.0)
    millionths = np.rint(percent.to_numpy(zero_copy_only=False) * 1e6).astype(np.int64)
    shares = sparse.csr_matrix((millionths, (owned, owner)), shape=(n, n))
    listings = read(f"{folder}/listings.csv", ["entity", "list", "program", "start", "end"])
    pairs = pc.binary_join_element_wise(
        listings["list"], pc.fill_null(listings["program"], ""), "\x1f"
    )
    wanted = pa.array([f"{lst}\x1f{program}" for lst, program in seed_lists])
    listings = listings.filter(pc.and_(active(listings, day), pc.is_in(pairs, wanted)))
    listed = np.zeros(n, dtype=bool)
    listed[pc.index_in(listings["entity"], ids).to_numpy(zero_copy_only=False)] = True
    covered, frontier = listed.copy(), listed.astype(np.int64)
    held = np.zeros(n, dtype=np.int64)
    rounds = 0
    while frontier.any():
        rounds += 1
        held += shares @ frontier
        joined = (held >= 50_000_000) & ~covered
        covered |= joined
        frontier = joined.astype(np.int64)
    status = np.where(listed, "listed", np.where(covered, "covered", "other"))
    out = pa.table({"id": ids, "status": pa.array(status)})
    pv.write_csv(out, sys.stdout.buffer, pv.WriteOptions(quoting_style="none"))
    print(f"{int(covered.sum() - listed.sum())} covered, {rounds} rounds", file=sys.stderr)


if __name__ == "__main__":
    main()
