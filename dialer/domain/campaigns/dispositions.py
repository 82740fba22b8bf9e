"""Dispositions: how a call ended, in the agent's words, and what it does to the lead.

The manager keeps a list per campaign (both languages, each mapped to a final
or a retry outcome, "do not call" or "call back"); the agent picks one after
every call of the campaign. The choice is stored on the call (``disposition_id``:
results and exports read it there) and settles the lead over what the PBX's
outcome decided: final finishes it, retry follows the campaign's retry rules,
"do not call" finishes it and blacklists the number with the agent as source,
"call back" books the time agreed with the customer (``dialing.callbacks``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.domain.campaigns import blacklist
from dialer.domain.dialing import callbacks
from dialer.domain.dialing.calls import retry_minutes
from dialer.domain.errors import DomainError
from dialer.domain.notices import Notice
from dialer.domain.people import agents
from dialer.models import (
    BlacklistNumber,
    Call,
    CallState,
    Campaign,
    Disposition,
    DispositionKind,
    Lead,
    LeadStatus,
)

NAME_REQUIRED = "disposition_name_required"
NAME_TAKEN = "disposition_name_taken"
UNKNOWN_KIND = "disposition_unknown_kind"
UNKNOWN_DISPOSITION = "unknown_disposition"
CALL_NOT_OVER = "call_not_over"
ALREADY_DISPOSED = "already_disposed"
UNKNOWN_CALL = "unknown_call"

NAME_MAX = 80


class DispositionError(DomainError):
    """A disposition refused; ``code`` is stable."""


# ---------------------------------------------------------------- the list


def campaign_dispositions(session: Session, campaign_id: int) -> list[Disposition]:
    """The campaign's dispositions an agent may pick, in the manager's order."""
    return list(
        session.scalars(
            select(Disposition)
            .where(Disposition.campaign_id == campaign_id, Disposition.is_enabled.is_(True))
            .order_by(Disposition.position, Disposition.id)
        )
    )


def add_disposition(
    session: Session, campaign: Campaign, name: str, name_vi: str, kind: str
) -> Disposition:
    """Add a disposition at the end of the campaign's list (names unique per campaign)."""
    name, name_vi = name.strip()[:NAME_MAX], name_vi.strip()[:NAME_MAX]
    if not name:
        raise DispositionError(NAME_REQUIRED, fields={"name": NAME_REQUIRED})
    if kind not in set(DispositionKind):
        raise DispositionError(UNKNOWN_KIND, fields={"kind": UNKNOWN_KIND})
    existing = session.scalar(
        select(Disposition).where(Disposition.campaign_id == campaign.id, Disposition.name == name)
    )
    if existing is not None and existing.is_enabled:
        raise DispositionError(NAME_TAKEN, fields={"name": NAME_TAKEN}, name=name)
    last = session.scalar(
        select(func.max(Disposition.position)).where(Disposition.campaign_id == campaign.id)
    )
    position = (last or 0) + 1
    if existing is not None:  # a retired one of that name comes back with the new settings
        existing.name_vi, existing.kind = name_vi, kind
        existing.is_enabled, existing.position = True, position
        return existing
    made = Disposition(
        campaign_id=campaign.id, name=name, name_vi=name_vi, kind=kind, position=position
    )
    session.add(made)
    session.flush()
    return made


def retire_disposition(session: Session, campaign_id: int, disposition_id: int) -> Disposition:
    """Take a disposition off the agents' list; calls that carry it keep it."""
    found = session.get(Disposition, disposition_id)
    if found is None or found.campaign_id != campaign_id:
        raise DispositionError(UNKNOWN_DISPOSITION)
    found.is_enabled = False
    return found


# ---------------------------------------------------------- the agent's pick


def choose_disposition(
    session: Session,
    user_id: int,
    call_id: int,
    disposition_id: int,
    now: datetime,
    *,
    callback: callbacks.CallbackRequest | None = None,
) -> list[Notice]:
    """Store the agent's disposition on their ended call and settle the lead by it.

    The same choice again changes nothing (a double click); another choice on a
    disposed call is refused.
    """
    agent_session = agents.lock_agent_session(session, user_id, now)
    call = session.get(Call, call_id, with_for_update=True, populate_existing=True)
    if call is None or call.agent_id != user_id:
        raise DispositionError(UNKNOWN_CALL)
    if call.state != CallState.ENDED:
        raise DispositionError(CALL_NOT_OVER)
    disposition = session.get(Disposition, disposition_id)
    if (
        disposition is None
        or not disposition.is_enabled
        or call.campaign_id is None
        or disposition.campaign_id != call.campaign_id
    ):
        raise DispositionError(UNKNOWN_DISPOSITION)
    if call.disposition_id is not None:
        if call.disposition_id == disposition.id:
            return []
        raise DispositionError(ALREADY_DISPOSED)
    call.disposition_id = disposition.id
    if call.lead_id is not None:
        _settle_by_disposition(session, call, disposition, user_id, now, callback)
    return [agents.agent_notice(session, agent_session, now)]


def _settle_by_disposition(
    session: Session,
    call: Call,
    disposition: Disposition,
    user_id: int,
    now: datetime,
    callback: callbacks.CallbackRequest | None,
) -> None:
    lead = session.get_one(Lead, call.lead_id, with_for_update=True, populate_existing=True)
    campaign = lead.campaign
    kind = disposition.kind
    if kind == DispositionKind.CALLBACK:
        callbacks.schedule(session, lead, campaign, call, user_id, callback, now)
        return
    if lead.status == LeadStatus.CLAIMED and lead.claimed_by_id not in (None, user_id):
        return  # another agent holds the lead already: their call will settle it
    if lead.status == LeadStatus.CLAIMED:
        lead.claimed_by_id, lead.claimed_at = None, None
    if kind == DispositionKind.RETRY and lead.attempts < campaign.max_attempts:
        lead.status = LeadStatus.RETRY
        minutes = retry_minutes(campaign, call.status) if call.status else 60
        lead.next_call_at = now + timedelta(minutes=minutes)
        return
    lead.status = LeadStatus.DONE
    lead.next_call_at = None
    if kind == DispositionKind.DO_NOT_CALL:
        _blacklist(session, call.customer_number, disposition.name, user_id)


def _blacklist(session: Session, number: str, reason: str, user_id: int) -> None:
    if session.scalar(select(BlacklistNumber.id).where(BlacklistNumber.phone == number)):
        return
    # The number is E.164 already: the region is never used to read it.
    blacklist.add_number(session, number, reason, added_by_id=user_id, region="ZZ")
