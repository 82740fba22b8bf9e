"""The campaign form and the settings it stands for, both ways (M1)."""

from __future__ import annotations

from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from dialer.domain.campaigns.dialing_settings import queue_names
from dialer.domain.campaigns.lifecycle import CampaignSettings, agent_accounts
from dialer.domain.campaigns.surveys import current_surveys
from dialer.extensions import db
from dialer.models.campaigns import (
    DEFAULT_ABANDON_CAP_PCT,
    DEFAULT_COUNTDOWN_S,
    DEFAULT_RETRY_MINUTES,
)
from dialer.web.manager.forms import RETRY_FIELDS, CampaignForm


def campaign_form(settings: CampaignSettings, agent_ids: list[int] | None = None) -> CampaignForm:
    retries = settings.retry_minutes
    form = CampaignForm(
        data={
            "name": settings.name,
            "description": settings.description,
            "caller_id": settings.caller_id or "",
            "survey_id": settings.survey_id or 0,
            "timezone": settings.timezone,
            "call_days": list(settings.call_days),
            "call_start": settings.call_start,
            "call_end": settings.call_end,
            "max_attempts": settings.max_attempts,
            "ring_no_answer_limit": settings.ring_no_answer_limit,
            "agents": agent_ids or [],
            "dial_mode": settings.dial_mode,
            "progressive_countdown_s": settings.progressive_countdown_s,
            "amd_enabled": settings.amd_enabled,
            "amd_action": settings.amd_action,
            "abandon_sound": settings.abandon_sound,
            "dial_queue": settings.dial_queue,
            "abandon_cap_pct": settings.abandon_cap_pct,
            "record_calls": settings.record_calls,
            **{
                field: retries.get(outcome, DEFAULT_RETRY_MINUTES.get(outcome, 0))
                for outcome, field in RETRY_FIELDS.items()
            },
        }
    )
    form.survey_id.choices = [SelectChoice(0, _("— none —"))] + [
        SelectChoice(s.id, f"{s.name} (v{s.version})") for s in current_surveys(db.session)
    ]
    form.agents.choices = [
        SelectChoice(u.id, f"{u.display_name} ({u.username})") for u in agent_accounts(db.session)
    ]
    queues = queue_names(db.session)
    if settings.dial_queue not in queues:
        queues.insert(0, settings.dial_queue)  # shown as it is; saving names what is wrong
    form.dial_queue.choices = [SelectChoice(name, name) for name in queues]
    return form


def settings_of(form: CampaignForm) -> CampaignSettings:
    return CampaignSettings(
        name=form.name.data or "",
        caller_id=form.caller_id.data or None,
        description=form.description.data or "",
        timezone=(form.timezone.data or "").strip(),
        call_days="".join(form.call_days.data or []),
        call_start=form.call_start.data,
        call_end=form.call_end.data,
        max_attempts=form.max_attempts.data,
        ring_no_answer_limit=form.ring_no_answer_limit.data,
        retry_minutes={
            o: getattr(form, f).data
            for o, f in RETRY_FIELDS.items()
            if getattr(form, f).data is not None
        },
        survey_id=form.survey_id.data or None,
        dial_mode=form.dial_mode.data or "",
        progressive_countdown_s=_or_default(form.progressive_countdown_s.data, DEFAULT_COUNTDOWN_S),
        amd_enabled=bool(form.amd_enabled.data),
        amd_action=form.amd_action.data or "",
        abandon_sound=form.abandon_sound.data or "",
        dial_queue=form.dial_queue.data or "",
        abandon_cap_pct=_or_default(form.abandon_cap_pct.data, DEFAULT_ABANDON_CAP_PCT),
        record_calls=bool(form.record_calls.data),
    )


def _or_default(value: float | None, default: float) -> float:
    return default if value is None else value
