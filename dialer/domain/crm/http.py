"""One way to call a helpdesk over HTTP: httpx with timeouts, every failure a CrmError."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from dialer.domain.crm.port import (
    BAD_CREDENTIALS,
    NOT_A_HELPDESK,
    NOT_FOUND,
    RATE_LIMITED,
    REFUSED,
    TIMEOUT,
    UNAVAILABLE,
    UNREACHABLE,
    CrmError,
)

# The desktop's lookup must not keep an agent waiting; jobs may wait longer.
LOOKUP_TIMEOUT_S = 3.0
JOB_TIMEOUT_S = 15.0
USER_AGENT = "dialer-crm/1"


def check_base_url(url: str) -> str:
    """The URL without a trailing slash; CrmError NOT_A_HELPDESK when it is not http(s)."""
    text = (url or "").strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise CrmError(NOT_A_HELPDESK, f"{text!r} is not an http(s) URL")
    return text


def make_client(base_url: str, auth: tuple[str, str], timeout_s: float) -> httpx.Client:
    """A client on the helpdesk's API root with basic auth and a timeout on every phase."""
    return httpx.Client(
        base_url=base_url,
        auth=auth,
        timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        follow_redirects=False,
    )


def send(client: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    """The JSON answer of one request; any failure is a CrmError naming what went wrong."""
    try:
        response = client.request(method, path, **kwargs)
    except httpx.TimeoutException:
        raise CrmError(TIMEOUT, f"no answer from {client.base_url.host}") from None
    except httpx.TransportError as error:
        raise CrmError(UNREACHABLE, f"{client.base_url.host}: {error}") from None
    _raise_for_status(response)
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise CrmError(NOT_A_HELPDESK, "the answer is not JSON") from None


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 300:
        return
    detail = _detail(response)
    if status in (401, 403):
        raise CrmError(BAD_CREDENTIALS, detail)
    if status == 404:
        raise CrmError(NOT_FOUND, detail)
    if status == 429:
        raise CrmError(RATE_LIMITED, detail, retry_after_s=_retry_after(response))
    if status >= 500:
        raise CrmError(UNAVAILABLE, f"HTTP {status}")
    if 300 <= status < 400:
        raise CrmError(NOT_A_HELPDESK, f"redirected to {response.headers.get('location', '?')}")
    raise CrmError(REFUSED, detail or f"HTTP {status}")


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def _detail(response: httpx.Response) -> str:
    """The helpdesk's own words (Freshdesk: description/errors; Zendesk: error/description)."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}"
    parts = []
    for key in ("error", "description", "message"):
        value = body.get(key)
        if isinstance(value, dict):  # Zendesk: {"error": {"title", "message"}}
            value = value.get("message") or value.get("title")
        if value:
            parts.append(str(value))
    for error in body.get("errors") or []:
        if isinstance(error, dict):
            parts.append(f"{error.get('field', '')}: {error.get('message', '')}".strip(": "))
    return "; ".join(part for part in parts if part and part != "None")[:300]
