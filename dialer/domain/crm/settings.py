"""The one helpdesk configuration: read, changed by an admin, turned into a connector.

Secrets go in encrypted and never come out except into a connector: nothing
here returns them to a page, a command's output or a log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from dialer.domain.crm import secrets
from dialer.domain.crm.builtin import BuiltinConnector
from dialer.domain.crm.freshdesk import FreshdeskConnector
from dialer.domain.crm.generic import GenericConnector, check_template
from dialer.domain.crm.http import check_base_url
from dialer.domain.crm.port import POPUPS, CrmConnector, CrmError
from dialer.domain.crm.zendesk import ZendeskConnector
from dialer.domain.errors import DomainError
from dialer.models import CrmSettings, utcnow

SETTINGS_ID = 1
INVALID = "crm_settings_invalid"
EXTERNAL = ("freshdesk", "zendesk")
# The codes of the fields at fault (the edge says each in a sentence).
REQUIRED = "required"
FIELD_PROBLEMS = (
    "unknown_provider",
    "not_http_url",
    REQUIRED,
    "email_required",
    "unknown_popup",
    "bad_template",
)


def load(session: Session) -> CrmSettings:
    """The stored settings, or the built-in default when none were saved."""
    row = session.get(CrmSettings, SETTINGS_ID)
    return row if row is not None else CrmSettings(id=SETTINGS_ID, provider="builtin")


def needs_key(session: Session) -> bool:
    """True when a stored secret needs DIALER_CRM_KEY to be read."""
    row = session.get(CrmSettings, SETTINGS_ID)
    return row is not None and bool(row.secret_encrypted or row.webhook_secret_encrypted)


@dataclass(frozen=True)
class HelpdeskInput:
    """What an admin gives for a helpdesk; an empty secret keeps the stored one."""

    provider: str
    url: str = ""
    email: str = ""
    secret: str = ""
    popup: str = "browser"
    contact_url_template: str = ""
    call_url_template: str = ""
    webhook_url: str = ""
    webhook_secret: str = ""


def configure(session: Session, key: str | None, data: HelpdeskInput) -> CrmSettings:
    """Store the configuration, secrets encrypted; DomainError INVALID naming the bad fields."""
    row = session.get(CrmSettings, SETTINGS_ID) or CrmSettings(id=SETTINGS_ID)
    errors = _problems(row, data)
    if errors:
        raise DomainError(INVALID, "; ".join(f"{k}: {v}" for k, v in errors.items()), fields=errors)
    same_helpdesk = row.provider == data.provider and row.base_url == _url(data)
    row.provider = data.provider
    row.base_url = _url(data)
    row.email = data.email.strip() if data.provider == "zendesk" else ""
    row.popup = data.popup if data.provider == "zendesk" else "browser"
    if data.secret:
        row.secret_encrypted = secrets.encrypt(key, data.secret)
    elif data.provider not in EXTERNAL or not same_helpdesk:
        row.secret_encrypted = ""
    row.contact_url_template = data.contact_url_template.strip()
    row.call_url_template = data.call_url_template.strip()
    row.webhook_url = data.webhook_url.strip()
    if data.webhook_secret:
        row.webhook_secret_encrypted = secrets.encrypt(key, data.webhook_secret)
    elif not row.webhook_url:
        row.webhook_secret_encrypted = ""
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def _url(data: HelpdeskInput) -> str:
    return data.url.strip().rstrip("/") if data.provider in EXTERNAL else ""


def _problems(row: CrmSettings, data: HelpdeskInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.provider not in ("builtin", "freshdesk", "zendesk", "generic"):
        return {"provider": "unknown_provider"}
    if data.provider in EXTERNAL:
        try:
            check_base_url(data.url)
        except CrmError:
            errors["url"] = "not_http_url"
        same = row.provider == data.provider and row.base_url == _url(data)
        if not data.secret and not (same and row.secret_encrypted):
            errors["secret"] = REQUIRED
    if data.provider == "zendesk":
        if "@" not in data.email:
            errors["email"] = "email_required"
        if data.popup not in POPUPS:
            errors["popup"] = "unknown_popup"
    for name in ("contact_url_template", "call_url_template", "webhook_url"):
        if check_template(getattr(data, name)):
            errors[name] = "bad_template"
    if data.webhook_url and not (data.webhook_secret or row.webhook_secret_encrypted):
        errors["webhook_secret"] = REQUIRED
    return errors


def connector_for(session: Session, key: str | None, *, timeout_s: float) -> CrmConnector:
    """The connector the settings name, its secret decrypted into it and nowhere else."""
    row = load(session)
    if row.provider == "freshdesk":
        api_key = secrets.decrypt(key, row.secret_encrypted)
        return FreshdeskConnector(row.base_url, api_key, timeout_s=timeout_s)
    if row.provider == "zendesk":
        token = secrets.decrypt(key, row.secret_encrypted)
        return ZendeskConnector(
            row.base_url, row.email, token, timeout_s=timeout_s, popup=row.popup
        )
    if row.provider == "generic":
        return GenericConnector(session, row.contact_url_template, row.call_url_template)
    return BuiltinConnector(session)


def release(connector: CrmConnector) -> None:
    """Close the connector's HTTP connections, if it has any."""
    close = getattr(connector, "close", None)
    if close is not None:
        close()


def webhook_target(session: Session, key: str | None) -> tuple[str, str] | None:
    """The webhook URL and its signing secret, or None when no webhook is configured."""
    row = session.get(CrmSettings, SETTINGS_ID)
    if row is None or not row.webhook_url or not row.webhook_secret_encrypted:
        return None
    return row.webhook_url, secrets.decrypt(key, row.webhook_secret_encrypted)


def describe(row: CrmSettings) -> dict[str, Any]:
    """The settings as an admin may see them: whether a secret is set, never the secret."""
    return {
        "provider": row.provider,
        "url": row.base_url,
        "email": row.email,
        "popup": row.popup,
        "has_secret": bool(row.secret_encrypted),
        "contact_url_template": row.contact_url_template,
        "call_url_template": row.call_url_template,
        "webhook_url": row.webhook_url,
        "has_webhook_secret": bool(row.webhook_secret_encrypted),
        "updated_at": row.updated_at,
    }
