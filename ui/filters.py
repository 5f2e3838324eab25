"""The author / date range / kind filter row shared by the timeline and search pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from collab_core.chat.message_values import KINDS
from ui.session import tr


def date_bounds(value: object) -> tuple[date | None, date | None]:
    """st.date_input's value (nothing, one day or a range) as (start, end); one day means that day."""
    picked = list(value) if isinstance(value, list | tuple) else ([value] if isinstance(value, date) else [])
    start = picked[0] if picked else None
    return start, (picked[1] if len(picked) > 1 else start)


def filter_row(
    columns: list[Any], names: dict[int, str], prefix: str
) -> tuple[list[int], date | None, date | None, list[str]]:
    """Author, date-range and kind pickers in the first three columns; keys are prefixed by page."""
    authors = columns[0].multiselect(
        tr("filter.authors"),
        list(names),
        format_func=lambda a: names.get(a, str(a)),
        key=f"{prefix}_authors",
        placeholder=tr("filter.all"),
    )
    dates = columns[1].date_input(tr("filter.dates"), value=(), key=f"{prefix}_dates", format="YYYY-MM-DD")
    kinds = columns[2].multiselect(
        tr("filter.kinds"),
        list(KINDS),
        format_func=lambda k: tr(f"kind.{k}"),
        key=f"{prefix}_kinds",
        placeholder=tr("filter.all"),
    )
    start, end = date_bounds(dates)
    return authors, start, end, kinds
