"""Every setting of the product, read once from the environment in ``create_app``.

Nothing else in the code base reads ``os.environ``: the app factory calls
:func:`load_config` and passes the result down through ``app.config``.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from redis.connection import parse_url
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class ConfigError(SystemExit):
    """A setting is missing or malformed: the process exits with one line saying which."""

    def __init__(self, message: str) -> None:
        super().__init__(f"dialer: configuration error: {message}")


# name: (default, parser). A default of None means "not set".
_INT = int


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


SETTINGS: dict[str, tuple[Any, Any]] = {
    "DIALER_ENV": ("development", str),
    "DATABASE_URL": (None, str),
    "REDIS_URL": (None, str),
    "SECRET_KEY": (None, str),
    "DIALER_DEFAULT_REGION": ("VN", str),
    "DIALER_TIMEZONE": ("Asia/Ho_Chi_Minh", str),
    "DIALER_MAX_UPLOAD_MB": (50, _INT),
    "DIALER_MAX_BODY_KB": (1024, _INT),  # every request body but an upload's
    "DIALER_LOGIN_MAX_FAILURES": (5, _INT),
    "DIALER_LOGIN_LOCKOUT_SECONDS": (300, _INT),
    "DIALER_HEARTBEAT_TIMEOUT_S": (30, _INT),
    # A lead held by an agent paused as "disconnected" goes back to its campaign after this.
    "DIALER_HELD_LEAD_RELEASE_S": (600, _INT),
    # Calls still up when the PBX link has been down this long are ended (FAIL or as they stood).
    "DIALER_PBX_DOWN_GRACE_S": (30, _INT),
    # Finished export files are deleted this many hours after they were written.
    "DIALER_EXPORT_RETENTION_H": (24, _INT),
    # A call placed this long ago that never heard from the PBX is closed (FAIL), its agent freed.
    "DIALER_STALE_CALL_S": (90, _INT),
    "DIALER_LANGUAGES": ("en,vi", str),
    "AMI_HOST": ("127.0.0.1", str),
    "AMI_PORT": (5038, _INT),
    "AMI_USERNAME": ("dialer", str),
    "AMI_SECRET": (None, str),
    "AMI_AGENT_CHANNEL": ("PJSIP/{extension}", str),
    "AMI_CUSTOMER_CHANNEL": ("PJSIP/{number}@trunk", str),
    "AMI_OUTBOUND_CONTEXT": ("from-internal", str),
    "AMI_QUEUE_CONTEXT": ("dialer-queue", str),
    "AMI_PREDICTIVE_CONTEXT": ("dialer-predictive", str),
    "AMI_ORIGINATE_TIMEOUT": (30, _INT),
    "AMI_PING_INTERVAL": ("10", float),
    "AMI_CONNECT_TIMEOUT": ("5", float),
    "AMI_RESPONSE_TIMEOUT": ("5", float),
    "AMI_HINT_CONTEXT": ("", str),
    "DIALER_PBX": ("simulator", str),  # "simulator" (embedded default) or "asterisk"
    "DIALER_SIM_SPEED": ("1.0", float),
    "DIALER_SESSION_COOKIE_SECURE": ("false", _bool),
    # Encrypts the helpdesk's credentials at rest (any passphrase; kept out of the database).
    "DIALER_CRM_KEY": (None, str),
    # Where users reach the product: links in helpdesk notes point here (the recording).
    "DIALER_PUBLIC_URL": ("http://127.0.0.1:5000", str),
    # Where the PBX's call recordings are read from (a mount of its monitor directory).
    "DIALER_RECORDINGS_DIR": (None, str),
    # Recordings older than this many days are deleted (0 keeps them for ever).
    "DIALER_RECORDING_RETENTION_DAYS": (0, _INT),
    # Predictive dialing: whether workers and the listener run the pacer (off when `flask pacer`
    # runs apart), seconds between pacing ticks, and Originates per second on the trunk.
    "DIALER_PACING": ("true", _bool),
    "DIALER_PACING_TICK_S": ("1.0", float),
    "DIALER_TRUNK_CPS": ("10", float),
}

# With the built-in simulator, the reference dialplan's names apply.
SIMULATOR_DEFAULTS = {
    "AMI_AGENT_CHANNEL": "Local/{extension}@sim-agent",
    "AMI_CUSTOMER_CHANNEL": "Local/{number}@sim-callee",
    "AMI_OUTBOUND_CONTEXT": "dialer-bridge",
    "AMI_QUEUE_CONTEXT": "dialer-queue",
}


def instance_path(environ: Mapping[str, str], default: str) -> str:
    """Where this deployment keeps its files (DIALER_INSTANCE_PATH, else ``default``)."""
    return environ.get("DIALER_INSTANCE_PATH") or default


def load_config(environ: Mapping[str, str], instance_path: str | Path) -> dict[str, Any]:
    """Build the app's settings from ``environ``; raise ConfigError naming a bad setting."""
    instance = Path(instance_path)
    config: dict[str, Any] = {}
    for name, (default, parse) in SETTINGS.items():
        raw = environ.get(name)
        if raw is None or raw == "":
            config[name] = parse(default) if isinstance(default, str) else default
            continue
        try:
            config[name] = parse(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r} is not a valid value") from None
    if config["DIALER_PBX"] not in {"simulator", "asterisk"}:
        raise ConfigError("DIALER_PBX must be 'simulator' or 'asterisk'")
    if config["DIALER_PBX"] == "simulator":
        for name, value in SIMULATOR_DEFAULTS.items():
            if not environ.get(name):
                config[name] = value
    config["IS_PRODUCTION"] = config["DIALER_ENV"] == "production"
    config["DATABASE_URL"] = _database_url(config["DATABASE_URL"], instance)
    _check_redis_url(config["REDIS_URL"])
    config["SECRET_KEY"] = _secret_key(config, instance)
    config["AMI_SECRET"] = config["AMI_SECRET"] or _demo_ami_secret(config, instance)
    config["DIALER_CRM_KEY"] = _crm_key(config, instance)
    config["DIALER_RECORDINGS_DIR"] = config["DIALER_RECORDINGS_DIR"] or str(
        instance / "recordings"
    )
    _check_region_and_zone(config)
    _check_ami(config)
    config["LANGUAGES"] = [lang.strip() for lang in config["DIALER_LANGUAGES"].split(",") if lang]
    return config


def _database_url(url: str | None, instance: Path) -> str:
    if url is None:
        return f"sqlite:///{instance / 'dialer.db'}"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL is malformed; expected e.g. postgresql://user@host:5432/dialer"
        ) from None
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ConfigError("DATABASE_URL must be a postgresql:// or sqlite:/// URL")
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgres":
        raise ConfigError("DATABASE_URL: use the postgresql:// scheme, not postgres://")
    return url


def _check_redis_url(url: str | None) -> None:
    if url is None:
        return
    try:
        parse_url(url)
    except ValueError:
        raise ConfigError(
            "REDIS_URL is malformed; expected redis://host:6379/0 or unix:///path/redis.sock"
        ) from None


def _secret_key(config: dict[str, Any], instance: Path) -> str:
    if config["SECRET_KEY"]:
        return config["SECRET_KEY"]
    if config["IS_PRODUCTION"]:
        raise ConfigError("SECRET_KEY must be set in production (DIALER_ENV=production)")
    return _instance_secret(instance / "secret_key")


def _demo_ami_secret(config: dict[str, Any], instance: Path) -> str:
    if config["DIALER_PBX"] == "asterisk":
        raise ConfigError("AMI_SECRET must be set when DIALER_PBX=asterisk")
    return _instance_secret(instance / "ami_secret")


def _crm_key(config: dict[str, Any], instance: Path) -> str | None:
    """The demo's key is generated under instance/; production must set it (checked once a
    helpdesk with credentials is configured: see ``dialer.schema.schema_problem``)."""
    if config["DIALER_CRM_KEY"]:
        return config["DIALER_CRM_KEY"]
    return None if config["IS_PRODUCTION"] else _instance_secret(instance / "crm_key")


def _instance_secret(path: Path) -> str:
    """A random secret kept under instance/ so every process of the demo shares it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _check_region_and_zone(config: dict[str, Any]) -> None:
    region = config["DIALER_DEFAULT_REGION"].upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(f"DIALER_DEFAULT_REGION={region!r} is not a known region code")
    config["DIALER_DEFAULT_REGION"] = region
    try:
        ZoneInfo(config["DIALER_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"DIALER_TIMEZONE={config['DIALER_TIMEZONE']!r} is not a time zone"
        ) from None


# Seconds that must be positive and finite: a zero ping interval or timeout would spin or hang.
_AMI_SECONDS = (
    "AMI_ORIGINATE_TIMEOUT",
    "AMI_PING_INTERVAL",
    "AMI_CONNECT_TIMEOUT",
    "AMI_RESPONSE_TIMEOUT",
    "DIALER_PACING_TICK_S",
)
_CONTEXT = re.compile(r"[A-Za-z0-9_.-]*")


def _check_ami(config: dict[str, Any]) -> None:
    for name in _AMI_SECONDS:
        if not (0 < config[name] < math.inf):
            raise ConfigError(f"{name}={config[name]!r} must be a positive number of seconds")
    if not 0 < config["DIALER_TRUNK_CPS"] < math.inf:
        raise ConfigError(
            f"DIALER_TRUNK_CPS={config['DIALER_TRUNK_CPS']!r} must be a positive number of calls "
            "per second"
        )
    if not 0 < config["AMI_PORT"] < 65536:
        raise ConfigError(f"AMI_PORT={config['AMI_PORT']!r} is not a TCP port (1-65535)")
    if not _CONTEXT.fullmatch(config["AMI_HINT_CONTEXT"]):
        raise ConfigError(
            f"AMI_HINT_CONTEXT={config['AMI_HINT_CONTEXT']!r} is not a dialplan context name "
            "(letters, digits, '_', '-', '.')"
        )
    if not _CONTEXT.fullmatch(config["AMI_PREDICTIVE_CONTEXT"]):
        raise ConfigError(
            f"AMI_PREDICTIVE_CONTEXT={config['AMI_PREDICTIVE_CONTEXT']!r} is not a dialplan "
            "context name (letters, digits, '_', '-', '.')"
        )
