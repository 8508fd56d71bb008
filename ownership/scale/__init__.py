"""The rules' propagation on engines beyond one process's arrays (DuckDB for now).

:mod:`~ownership.scale.rounds` holds the round-by-round SQL; an engine module runs it.
"""
