"""Results as tables: HTML for Jupyter, pandas DataFrames, plain records.

Every result type (analysis, affiliates, timeline, screening) mixes in :class:`Tabular`:
``to_records()`` gives plain dicts, ``to_pandas()`` a DataFrame (pandas is optional and
imported only then), and Jupyter shows ``_repr_html_``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

__all__ = ["Tabular", "html_table"]

#: Rows shown inline in a notebook before the table is cut (the data itself is complete).
HTML_ROW_LIMIT = 60

STATUS_COLOURS = {
    "listed": "#D55E00",
    "covered": "#E69F00",
    "exposed": "#56B4E9",
    "clear": "#DDDDDD",
}


def _cell(value: Any) -> str:
    if isinstance(value, float):
        text = f"{value:.2f}".rstrip("0").rstrip(".")
    elif isinstance(value, list):
        text = ", ".join(str(v.get("message", v)) if isinstance(v, dict) else str(v) for v in value)
    elif value is None:
        text = ""
    else:
        text = str(value)
    return html.escape(text)


def html_table(
    records: Sequence[dict[str, Any]],
    columns: Sequence[str],
    *,
    caption: str | None = None,
    limit: int = HTML_ROW_LIMIT,
    total: int | None = None,
) -> str:
    """A small, escaped HTML table; the status cell is coloured with the shared palette.

    ``total`` is how many records there are, when ``records`` holds only the first ones.
    """
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for record in records[:limit]:
        cells = []
        for column in columns:
            value = record.get(column)
            style = ""
            if column == "status" and value in STATUS_COLOURS:
                style = f' style="background:{STATUS_COLOURS[value]}"'
            cells.append(f"<td{style}>{_cell(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    total = len(records) if total is None else total
    if total > limit:
        more = (
            f"<p><em>{total - limit} more rows; use .to_pandas() or .to_records() "
            "for all of them.</em></p>"
        )
    cap = f"<caption style='text-align:left'>{html.escape(caption)}</caption>" if caption else ""
    return (
        f"<table class='ownership'>{cap}<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>{more}"
    )


class Tabular:
    """Mixin: subclasses provide ``to_records`` and ``_table_columns`` (and a caption)."""

    _table_columns: tuple[str, ...] = ()

    def to_records(self) -> list[dict[str, Any]]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _table_caption(self) -> str | None:
        return None

    def to_pandas(self) -> Any:
        """A pandas DataFrame of the records (pandas must be installed)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "to_pandas() needs pandas: pip install 'ownership[notebooks]' or pandas"
            ) from exc
        return pd.DataFrame.from_records(self.to_records())

    def _repr_html_(self) -> str:
        return html_table(self.to_records(), self._table_columns, caption=self._table_caption())
