"""``crm check``: one line saying whom the helpdesk knows us as, or what is wrong."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dialer.domain.crm import port, settings
from dialer.domain.crm.http import LOOKUP_TIMEOUT_S
from dialer.domain.errors import DomainError

# What an admin can do about each failure, in the words of the command line.
REASONS = {
    port.BAD_CREDENTIALS: "bad key: the helpdesk refused the credentials",
    port.NOT_A_HELPDESK: "not a helpdesk: the URL does not answer like its API",
    port.NOT_FOUND: "unknown domain: the helpdesk has no API at this URL",
    port.UNREACHABLE: "unknown domain or no route: cannot connect",
    port.TIMEOUT: "timeout: the helpdesk did not answer in time",
    port.RATE_LIMITED: "rate limited: the helpdesk asks to wait",
    port.UNAVAILABLE: "the helpdesk is failing (5xx)",
    port.REFUSED: "the helpdesk refused the request",
}


def check_connection(
    session: Session, key: str | None, *, timeout_s: float = LOOKUP_TIMEOUT_S
) -> tuple[bool, str]:
    """(True, 'connected ... as NAME') or (False, the reason); never shows a secret."""
    row = settings.load(session)
    where = f"{row.provider} at {row.base_url}" if row.base_url else row.provider
    try:
        connector = settings.connector_for(session, key, timeout_s=timeout_s)
        me = connector.whoami()
    except DomainError as error:
        return False, f"{where}: {error}"
    except port.CrmError as error:
        reason = REASONS.get(error.code, error.code)
        return False, f"{where}: {reason}" + (f" ({error.detail})" if error.detail else "")
    who = f"{me.name} <{me.email}>" if me.email else me.name
    return True, f"connected to {where} as {who}"
