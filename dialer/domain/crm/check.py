"""``crm check``: whom the helpdesk knows us as, or what is wrong, in one line."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class CheckResult:
    """``code`` is None when connected; ``who`` names the signed-in user then."""

    where: str
    who: str = ""
    code: str | None = None
    detail: str = ""

    @property
    def is_ok(self) -> bool:
        """True when the helpdesk answered as someone."""
        return self.code is None

    def line(self) -> str:
        """The command line's one line (English, like the rest of the CLI)."""
        if self.is_ok:
            return f"connected to {self.where} as {self.who}"
        reason = REASONS.get(self.code or "", self.code or "")
        return f"{self.where}: {reason}" + (f" ({self.detail})" if self.detail else "")


def check_connection(
    session: Session, key: str | None, *, timeout_s: float = LOOKUP_TIMEOUT_S
) -> CheckResult:
    """Ask the configured helpdesk who we are; never raises, never shows a secret."""
    row = settings.load(session)
    where = f"{row.provider} at {row.base_url}" if row.base_url else row.provider
    try:
        connector = settings.connector_for(session, key, timeout_s=timeout_s)
    except (DomainError, port.CrmError) as error:
        return CheckResult(where, code=error.code, detail=str(error))
    try:
        me = connector.whoami()
    except port.CrmError as error:
        return CheckResult(where, code=error.code, detail=error.detail)
    finally:
        settings.release(connector)
    return CheckResult(where, who=f"{me.name} <{me.email}>" if me.email else me.name)
