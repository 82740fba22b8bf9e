"""Login throttling: after repeated failures an agent id (or an address) waits."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from redis.exceptions import RedisError

from dialer.extensions import redis_hub


def _digest(text: str) -> str:
    """A keyed hash: Redis never holds a typed name (often a password typed in the wrong box)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]


def _keys(username: str, address: str) -> list[str]:
    name = _digest(username.strip().lower())
    return [f"login-fail:user:{name}", f"login-fail:addr:{_digest(address)}"]


def seconds_locked(username: str, address: str) -> int:
    """How long sign-in stays refused for this agent id or address (0: not locked).

    Asked before anything is written; without Redis it raises ``RedisError`` (a 503): a
    sign-in whose failures could not be counted is refused rather than let through.
    """
    limit = current_app.config["DIALER_LOGIN_MAX_FAILURES"]
    client = redis_hub.client
    longest = 0
    for key in _keys(username, address):
        count = int(client.get(key) or 0)
        # The address gets more slack: a call centre's agents share one NAT address.
        threshold = limit if ":user:" in key else limit * 10
        if count >= threshold:
            longest = max(longest, int(client.ttl(key)))
    return max(longest, 0)


def record_failure(username: str, address: str) -> None:
    """Count one failed sign-in for the agent id and the address."""
    window = current_app.config["DIALER_LOGIN_LOCKOUT_SECONDS"]
    pipe = redis_hub.client.pipeline()
    for key in _keys(username, address):
        pipe.incr(key)
        pipe.expire(key, window)
    pipe.execute()


def clear_failures(username: str, address: str) -> None:
    """Forget the agent id's failures after a successful sign-in.

    Called once the sign-in is committed: if Redis went away meanwhile the count is left to
    expire by itself, and the sign-in stands (it must not be half undone).
    """
    try:
        redis_hub.client.delete(_keys(username, address)[0])
    except RedisError as error:
        current_app.logger.warning("failed sign-ins not cleared, Redis unavailable: %s", error)
