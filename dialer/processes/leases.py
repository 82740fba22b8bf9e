"""Short Redis leases: which one of several processes does a periodic job right now.

The holder renews its lease every tick; the others find it taken and wait. A
holder that dies stops renewing, its lease runs out after a few ticks, and the
next process to ask takes over. Used by the housekeeper (one lease) and the
predictive dialer (one lease per campaign).
"""

from __future__ import annotations

import os
import socket

from redis import Redis

# Renew the lease when we hold it, else take it when nobody does: one atomic step.
_TAKE_TURN = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
"""
_GIVE_UP = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def holder_name(role: str) -> str:
    """Who holds a lease, as an operator reads it: host, process id, role."""
    return f"{socket.gethostname()}:{os.getpid()}:{role}"


def take_turn(client: Redis, key: str, holder: str, lease_s: float) -> bool:
    """True when ``holder`` holds the lease ``key`` for the next ``lease_s`` seconds."""
    return bool(client.eval(_TAKE_TURN, 1, key, holder, int(lease_s * 1000)))


def holds(client: Redis, key: str, holder: str) -> bool:
    """True while ``holder`` still holds the lease ``key``."""
    value = client.get(key)
    return value is not None and value.decode() == holder


def give_up(client: Redis, key: str, holder: str) -> None:
    """Let the lease go now (a process stopping cleanly), if ``holder`` has it."""
    client.eval(_GIVE_UP, 1, key, holder)
