"""The JSON shapes of the agent desktop's API: a lead card, its campaign and its survey."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from dialer.domain.campaigns.drafts import draft_answers
from dialer.domain.dialing import outbound as dialing
from dialer.domain.leads.columns import in_column_order
from dialer.models import (
    AgentSession,
    AgentState,
    Call,
    Callback,
    CallState,
    Campaign,
    Lead,
    PauseReason,
    Survey,
)
from dialer.timefmt import to_local


def campaign_card(campaign: Campaign) -> dict[str, Any]:
    """What the agent sees of a campaign."""
    return {
        "id": campaign.id,
        "name": campaign.name,
        "description": campaign.description,
        "status": campaign.status,
        "caller_id": campaign.caller_id,
        "max_attempts": campaign.max_attempts,
        "dial_mode": campaign.dial_mode,
        "countdown_s": campaign.progressive_countdown_s,
        "calling_hours": {
            "days": campaign.call_days,
            "start": campaign.call_start.strftime("%H:%M"),
            "end": campaign.call_end.strftime("%H:%M"),
            "timezone": campaign.timezone,
        },
        "dispositions": [
            {"id": d.id, "name": d.name, "name_vi": d.name_vi, "kind": d.kind}
            for d in campaign.dispositions
            if d.is_enabled
        ],
    }


def survey_card(survey: Survey | None) -> dict[str, Any] | None:
    """A survey's questions in order, as the form draws them."""
    if survey is None:
        return None
    return {
        "id": survey.id,
        "name": survey.name,
        "description": survey.description,
        "questions": [
            {
                "id": q.id,
                "kind": q.kind,
                "text": q.text,
                "options": list(q.options or []),
                "is_required": q.is_required,
            }
            for q in survey.questions
        ],
    }


def lead_card(lead: Lead) -> dict[str, Any]:
    """The lead screen: the lead, its campaign and the campaign's survey."""
    order = lead.lead_import.custom_order if lead.lead_import is not None else []
    fields = in_column_order(lead.custom or {}, order)
    return {
        "id": lead.id,
        "name": lead.full_name,
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "phone": lead.phone,
        "phone_raw": lead.phone_raw,
        "email": lead.email,
        "custom": dict(fields),
        "custom_fields": [{"name": name, "value": value} for name, value in fields],
        "attempts": lead.attempts,
        "last_status": lead.last_status,
        "status": lead.status,
        "campaign": campaign_card(lead.campaign),
        "survey": survey_card(lead.campaign.survey),
    }


def callback_card(callback: Callback) -> dict[str, Any]:
    """A callback as the agent's list of today's callbacks shows it."""
    lead = callback.lead
    return {
        "id": callback.id,
        "due_at": callback.due_at.isoformat(),
        "due_local": to_local(callback.due_at).strftime("%H:%M"),
        "lead": {"id": lead.id, "name": lead.full_name, "phone": lead.phone},
        "campaign_id": callback.campaign_id,
    }


def reason_card(reason: PauseReason) -> dict[str, Any]:
    """A pause reason as the pause dialog lists it."""
    return {"id": reason.id, "code": reason.code, "name": reason.name, "name_vi": reason.name_vi}


def work_on_screen(session: Session, agent_session: AgentSession) -> dict[str, Any]:
    """The lead and survey the desktop should show now: the held lead, or the last call's."""
    lead, saved = dialing.lead_on_screen(session, agent_session)
    call = (
        session.get(Call, agent_session.current_call_id) if agent_session.current_call_id else None
    )
    showing_call = call is not None and (
        call.state != CallState.ENDED or agent_session.state == AgentState.WRAPUP
    )
    return {
        "lead": lead_card(lead) if lead is not None else None,
        "survey_saved": saved,
        "survey_draft": draft_answers(session, call.id) if showing_call and call else {},
    }
