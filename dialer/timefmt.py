"""Dates, times and durations shown in the configured time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app


def local_zone() -> ZoneInfo:
    """The deployment's time zone (DIALER_TIMEZONE)."""
    return ZoneInfo(current_app.config["DIALER_TIMEZONE"])


def to_local(value: datetime | None) -> datetime | None:
    """An aware datetime converted to the deployment's time zone."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(local_zone())


def format_duration(seconds: float | int | None) -> str:
    """Seconds as H:MM:SS (or M:SS under an hour)."""
    total = max(0, int(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = lambda v, fmt="%H:%M:%S": (
        to_local(v).strftime(fmt) if v else ""
    )
    app.jinja_env.filters["localdatetime"] = lambda v: (
        to_local(v).strftime("%Y-%m-%d %H:%M") if v else ""
    )
    app.jinja_env.filters["duration"] = format_duration
    app.jinja_env.filters["isotime"] = lambda v: v.isoformat() if v else ""
