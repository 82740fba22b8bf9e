"""How the adapter reaches one PBX: AmiSettings, built from the app's AMI_* config.

Every AMI_* value is read from the environment once, in ``dialer.config``; this
module only carries the values down. The defaults here are for settings built by
hand (tools, tests) and match ``dialer.config``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AmiSettings:
    """How to reach one PBX and which dialplan to use."""

    host: str
    port: int = 5038
    username: str = ""
    secret: str = field(default="", repr=False)
    agent_channel: str = "PJSIP/{extension}"
    customer_channel: str = "PJSIP/{number}@trunk"
    outbound_context: str = "from-internal"
    queue_context: str = "dialer-queue"
    predictive_context: str = "dialer-predictive"  # a queue that gives up after ABANDON_AFTER
    originate_timeout_s: int = 30  # upper bound for any call's ring time
    ping_interval_s: float = 10.0
    connect_timeout_s: float = 5.0
    response_timeout_s: float = 5.0
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 30.0
    config_error_backoff_s: float = 60.0
    hint_context: str = ""  # dialplan context of the agents' hints; "" = the agent template's

    @property
    def address(self) -> str:
        """host:port, as messages name the PBX."""
        return f"{self.host}:{self.port}"


def settings_from_config(config: Mapping[str, Any]) -> AmiSettings:
    """AmiSettings from the app config's AMI_* keys (all set by ``dialer.config``)."""
    return AmiSettings(
        host=str(config["AMI_HOST"]),
        port=int(config["AMI_PORT"]),
        username=str(config["AMI_USERNAME"]),
        secret=str(config["AMI_SECRET"]),
        agent_channel=str(config["AMI_AGENT_CHANNEL"]),
        customer_channel=str(config["AMI_CUSTOMER_CHANNEL"]),
        outbound_context=str(config["AMI_OUTBOUND_CONTEXT"]),
        queue_context=str(config["AMI_QUEUE_CONTEXT"]),
        predictive_context=str(config["AMI_PREDICTIVE_CONTEXT"]),
        originate_timeout_s=int(config["AMI_ORIGINATE_TIMEOUT"]),
        ping_interval_s=float(config["AMI_PING_INTERVAL"]),
        connect_timeout_s=float(config["AMI_CONNECT_TIMEOUT"]),
        response_timeout_s=float(config["AMI_RESPONSE_TIMEOUT"]),
        hint_context=str(config["AMI_HINT_CONTEXT"]),
    )
