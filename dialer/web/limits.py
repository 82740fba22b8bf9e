"""What the web edge accepts at most: body sizes per route, and ids that fit the database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Request, current_app
from werkzeug.routing import IntegerConverter

F = TypeVar("F", bound=Callable[..., Any])

# Ids are 32-bit integer columns on PostgreSQL: a bigger one in a URL can match nothing.
MAX_ID = 2**31 - 1


MAX_PAGE = 1_000_000
# A JSON body deeper than this is no request of ours (and would strain every walk over it).
MAX_JSON_DEPTH = 32
_ASCII_DIGITS = frozenset("0123456789")


def parse_id(value: Any) -> int | None:
    """``value`` as a database id (an int or ASCII digits, 1..MAX_ID); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not value or len(value) > 10 or not set(value) <= _ASCII_DIGITS:
            return None
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= MAX_ID:
        return None
    return value


def parse_page(value: str | None) -> int | None:
    """A page number from 1 (pages past MAX_PAGE read as MAX_PAGE); None when not a number."""
    if not value or not set(value) <= _ASCII_DIGITS or not value.lstrip("0"):
        return None
    # Compared as text first: int() of a thousand-digit string is refused (or slow).
    if len(value.lstrip("0")) > len(str(MAX_PAGE)):
        return MAX_PAGE
    return min(int(value), MAX_PAGE)


def json_problem(body: Any) -> str | None:
    """``"too_deep"`` or ``"not_unicode"`` when a parsed JSON body is no request of ours."""
    stack: list[tuple[Any, int]] = [(body, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if not value.isascii() and _has_surrogate(value):
                return "not_unicode"
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                return "too_deep"
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                stack.append((key, depth))
                stack.append((item, depth + 1))
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def accepts_upload(view: F) -> F:
    """Let the view's request body be as large as the upload limit (DIALER_MAX_UPLOAD_MB)."""
    view._dialer_upload = True  # type: ignore[attr-defined]
    return view


def upload_limit_bytes() -> int:
    """The upload limit in bytes."""
    return int(current_app.config["DIALER_MAX_UPLOAD_MB"] * 1024 * 1024)


def is_upload_route(endpoint: str | None) -> bool:
    """True when the endpoint takes an uploaded file."""
    view = current_app.view_functions.get(endpoint or "")
    return bool(getattr(view, "_dialer_upload", False))


class LimitedRequest(Request):
    """A request whose body may be as large as the upload limit on upload routes only.

    The limit is decided from the matched route, so it holds before any hook (CSRF included)
    reads the body.
    """

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is not None:
            return self._max_content_length
        if current_app and is_upload_route(self.endpoint):
            return upload_limit_bytes()
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def digits_at_most(limit: int) -> str:
    """A regular expression (no groups) matching the decimal numbers from 0 to ``limit``."""
    text = str(limit)
    options = [f"[0-9]{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for at, digit in enumerate(text):
        if digit != "0":
            rest = len(text) - at - 1
            options.append(
                f"{text[:at]}[0-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else "")
            )
    options.append(text)
    return "(?:" + "|".join(options) + ")"


class BoundedInt(IntegerConverter):
    """``<int:...>`` matching only ids the database can hold: a bigger one matches no route
    at all (a plain 404, never a 405 from a sibling route of another method)."""

    regex = digits_at_most(MAX_ID)

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Install the size limits and the bounded id converter (before any route is added)."""
    app.request_class = LimitedRequest
    app.url_map.converters["int"] = BoundedInt
