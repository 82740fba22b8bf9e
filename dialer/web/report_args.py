"""A report's filters and page cursors, read from a request (results, call search, exports)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app, request

from dialer.domain.reports import filters as report_filters
from dialer.domain.reports import paging
from dialer.extensions import db
from dialer.timefmt import local_zone

CALL_FILTERS = ("campaign", "direction", "number")


def filters_from(values: Mapping[str, str], *, with_calls: bool = False) -> report_filters.Filters:
    """The filters in ``values`` (a query string or a posted form); the call search's too."""
    extra = {name: values.get(name) for name in CALL_FILTERS} if with_calls else {}
    return report_filters.parse_filters(
        db.session,
        local_zone(),
        date_from=values.get("from"),
        date_to=values.get("to"),
        agent=values.get("agent"),
        status=values.get("status"),
        region=current_app.config["DIALER_DEFAULT_REGION"],
        **extra,
    )


def cursors() -> dict[str, paging.Cursor | None]:
    """The page asked for: rows after or before a cursor (neither: the newest)."""
    return {
        "after": paging.Cursor.parse(request.args.get("after")),
        "before": paging.Cursor.parse(request.args.get("before")),
    }
