"""Predictive calls placed: leads claimed for the campaign, customer-first calls written and sent.

A lead is claimed by the same atomic statement as an agent's Get Lead (so every
compliance rule of the claim applies and no two claims take one lead), but held
by nobody: the campaign holds it until its call ends. Each call row is committed
QUEUED, then moved to ORIGINATING under its row lock right before the PBX is
asked, with the blacklist and calling hours checked again: whichever process
gets there first sends it, a second one finds it past QUEUED and sends nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.domain.dialing import compliance
from dialer.domain.dialing.calls import end_call, lock_call
from dialer.domain.dialing.outbound import claim_statement, new_call_uid
from dialer.domain.notices import Notice
from dialer.models import (
    Call,
    CallState,
    CallStatus,
    Campaign,
    CampaignStatus,
    DialMode,
    Direction,
    Lead,
)
from dialer.telephony.port import CustomerFirstCall

# An answered customer waits this long for an agent before the call counts as abandoned.
ABANDON_AFTER_S = 2


def predictive_campaign_ids(session: Session) -> list[int]:
    """The running campaigns that dial predictively."""
    return list(
        session.scalars(
            select(Campaign.id)
            .where(
                Campaign.status == CampaignStatus.RUNNING,
                Campaign.dial_mode == DialMode.PREDICTIVE,
            )
            .order_by(Campaign.id)
        )
    )


def place_calls(session: Session, campaign: Campaign, lines: int, now: datetime) -> list[int]:
    """Claim up to ``lines`` dialable leads and write a queued customer-first call for each.

    Fewer (or none) when the campaign has fewer leads dialable now. The edge
    commits, then sends each with :func:`prepare_originate`.
    """
    if campaign.status != CampaignStatus.RUNNING or campaign.dial_mode != DialMode.PREDICTIVE:
        return []
    placed: list[int] = []
    for _line in range(max(0, lines)):
        statement, values = claim_statement(campaign, None, now)
        lead = session.scalars(statement, values).first()
        if lead is None:
            break
        call = Call(
            call_uid=new_call_uid(),
            direction=Direction.OUTBOUND,
            campaign_id=campaign.id,
            lead_id=lead.id,
            customer_number=lead.phone,
            caller_id=campaign.caller_id,
            queue=campaign.dial_queue,
            state=CallState.QUEUED,
            created_at=now,
        )
        session.add(call)
        session.flush()
        placed.append(call.id)
    return placed


def queued_call_ids(session: Session, campaign_id: int) -> list[int]:
    """The campaign's customer-first calls written but not sent (a dialer died in between)."""
    return list(
        session.scalars(
            select(Call.id)
            .where(
                Call.campaign_id == campaign_id,
                Call.direction == Direction.OUTBOUND,
                Call.queue.is_not(None),
                Call.state == CallState.QUEUED,
            )
            .order_by(Call.id)
        )
    )


def prepare_originate(
    session: Session, call_id: int, now: datetime, *, ring_timeout_s: int
) -> tuple[CustomerFirstCall | None, list[Notice]]:
    """Mark a queued customer-first call as sent and say what to dial; None when it must not be.

    A call already past QUEUED (sent by another process, or ended) gives None.
    A lead that may no longer be called (blacklisted meanwhile, outside its
    hours, campaign paused) ends the call FAIL and goes back unused.
    """
    call = lock_call(session, call_id, now)
    if call is None or call.state != CallState.QUEUED or call.lead_id is None:
        return None, []
    lead = session.get_one(Lead, call.lead_id)
    campaign = session.get_one(Campaign, call.campaign_id)
    refusal = compliance.check_lead(session, lead, campaign, now)
    if refusal is not None:
        notices = end_call(
            session, call, CallStatus.FAIL, now, cause_text=refusal.code, refusal=refusal
        )
        return None, notices
    call.state = CallState.ORIGINATING
    request = CustomerFirstCall(
        call_uid=call.call_uid,
        number=call.customer_number,
        queue=call.queue or campaign.dial_queue,
        caller_id=call.caller_id or "",
        timeout_s=ring_timeout_s,
        abandon_after_s=ABANDON_AFTER_S,
        abandon_sound=campaign.abandon_sound,
        amd_action=str(campaign.amd_action) if campaign.amd_enabled else None,
    )
    return request, []
