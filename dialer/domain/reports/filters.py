"""The filters of the results pages and exports, checked once, refused with a named reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.domain.campaigns.lifecycle import find_campaign
from dialer.domain.errors import DomainError
from dialer.domain.phones import NormalisedPhone, normalise_phone
from dialer.models import Call, CallStatus, Campaign, Direction, User

BAD_DATE = "report_bad_date"
DATES_BACKWARDS = "report_dates_backwards"
AGENT_UNKNOWN = "report_agent_unknown"
STATUS_UNKNOWN = "report_status_unknown"
CAMPAIGN_UNKNOWN = "report_campaign_unknown"
DIRECTION_UNKNOWN = "report_direction_unknown"
BAD_CURSOR = "report_bad_cursor"


class ReportError(DomainError):
    """A filter cannot be used; ``params`` name the value at fault."""


@dataclass(frozen=True)
class Filters:
    """Who, when and which outcome; dates are local days in ``zone``, both ends included."""

    zone: ZoneInfo
    date_from: date | None = None
    date_to: date | None = None
    agent_id: int | None = None
    status: str | None = None
    campaign_id: int | None = None
    direction: str | None = None
    number: str | None = None  # E.164, or the digits typed when they are not a number

    @property
    def since(self) -> datetime | None:
        """The first UTC instant of the range."""
        return _utc_start(self.date_from, self.zone) if self.date_from else None

    @property
    def until(self) -> datetime | None:
        """The UTC instant just after the range."""
        return _utc_start(self.date_to + timedelta(days=1), self.zone) if self.date_to else None

    def as_dict(self) -> dict[str, Any]:
        """The filters as plain values (for the audit log and the job's arguments)."""
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "agent_id": self.agent_id,
            "status": self.status,
            "campaign_id": self.campaign_id,
            "direction": self.direction,
            "number": self.number,
        }


def parse_filters(
    session: Session,
    zone: ZoneInfo,
    *,
    date_from: str | None = None,
    date_to: str | None = None,
    agent: str | None = None,
    status: str | None = None,
    campaign: str | None = None,
    direction: str | None = None,
    number: str | None = None,
    region: str = "VN",
) -> Filters:
    """Filters from text as typed (a page, a command line); ReportError names what is wrong."""
    start, end = _day(date_from), _day(date_to)
    if start and end and start > end:
        raise ReportError(DATES_BACKWARDS, date_from=str(start), date_to=str(end))
    return Filters(
        zone=zone,
        date_from=start,
        date_to=end,
        agent_id=_agent_id(session, agent),
        status=_status(status),
        campaign_id=resolve_campaign(session, campaign).id if (campaign or "").strip() else None,
        direction=_direction(direction),
        number=_number(number, region),
    )


def from_dict(values: dict[str, Any], zone: ZoneInfo) -> Filters:
    """The filters ``Filters.as_dict`` gave, back again (already checked)."""
    return Filters(
        zone=zone,
        date_from=date.fromisoformat(values["from"]) if values.get("from") else None,
        date_to=date.fromisoformat(values["to"]) if values.get("to") else None,
        agent_id=values.get("agent_id"),
        status=values.get("status"),
        campaign_id=values.get("campaign_id"),
        direction=values.get("direction"),
        number=values.get("number"),
    )


def resolve_campaign(session: Session, id_or_name: str) -> Campaign:
    """The campaign with this id or name; ReportError naming it when there is none."""
    found = find_campaign(session, id_or_name.strip()) if id_or_name.strip() else None
    if found is None:
        raise ReportError(CAMPAIGN_UNKNOWN, campaign=id_or_name)
    return found


def agent_choices(session: Session) -> list[User]:
    """Everybody who has taken calls or may take them, by username."""
    has_calls = select(Call.agent_id).where(Call.agent_id.is_not(None)).distinct()
    return list(
        session.scalars(
            select(User)
            .where((User.role == "agent") | User.id.in_(has_calls))
            .order_by(func.lower(User.username))
        )
    )


def _utc_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _day(text: str | None) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ReportError(BAD_DATE, value=text) from None


def _agent_id(session: Session, text: str | None) -> int | None:
    """An agent by id or username (the agent id the wallboard shows)."""
    text = (text or "").strip()
    if not text:
        return None
    found = session.get(User, int(text)) if text.isdigit() else None
    if found is None:
        found = session.scalar(select(User).where(func.lower(User.username) == text.lower()))
    if found is None:
        raise ReportError(AGENT_UNKNOWN, agent=text)
    return found.id


def _status(text: str | None) -> str | None:
    text = (text or "").strip().upper()
    if not text:
        return None
    if text not in CallStatus.__members__:
        raise ReportError(STATUS_UNKNOWN, status=text)
    return text


def _direction(text: str | None) -> str | None:
    text = (text or "").strip().lower()
    if not text:
        return None
    if text not in {d.value for d in Direction}:
        raise ReportError(DIRECTION_UNKNOWN, direction=text)
    return text


def _number(text: str | None, region: str) -> str | None:
    """A number as typed, in any shape, to E.164 (else its digits, to match a part of one)."""
    text = (text or "").strip()
    if not text:
        return None
    found = normalise_phone(text, region)
    if isinstance(found, NormalisedPhone):
        return found.e164
    return "".join(ch for ch in text if ch.isdigit() or ch == "+") or text
