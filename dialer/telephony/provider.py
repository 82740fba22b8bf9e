"""The telephony port of this process, built once from the app's AMI_* settings."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

from dialer.telephony.ami.adapter import AmiAdapter
from dialer.telephony.ami.settings import AmiSettings, settings_from_config

_lock = threading.Lock()
_built: dict[str, Any] = {"pid": None, "settings": None, "adapter": None}


def port_for(config: Mapping[str, Any]) -> AmiAdapter:
    """The AMI adapter for these settings, shared by every job of this process.

    A forked child (an RQ work-horse) builds its own: a socket and the threads
    reading it cannot be shared across fork().
    """
    settings: AmiSettings = settings_from_config(config)
    with _lock:
        if _built["pid"] != os.getpid() or _built["settings"] != settings:
            _built.update(pid=os.getpid(), settings=settings, adapter=AmiAdapter(settings))
        return _built["adapter"]


def close_port() -> None:
    """Close this process's adapter, if one was built (tests, shutdown)."""
    with _lock:
        adapter, is_ours = _built["adapter"], _built["pid"] == os.getpid()
        _built.update(pid=None, settings=None, adapter=None)
    if adapter is not None and is_ours:
        adapter.close()
