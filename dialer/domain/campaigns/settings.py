"""Everything a manager edits on a campaign, as one value the form, the CLI and the rules share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from dialer.models import Campaign
from dialer.models.campaigns import (
    DEFAULT_ABANDON_CAP_PCT,
    DEFAULT_ABANDON_SOUND,
    DEFAULT_COUNTDOWN_S,
    DEFAULT_DIAL_QUEUE,
    DEFAULT_RETRY_MINUTES,
    AmdAction,
    DialMode,
)


@dataclass
class CampaignSettings:
    """Everything a manager edits on a campaign."""

    name: str
    caller_id: str | None = None
    description: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    call_days: str = "123456"
    call_start: time = time(8, 0)
    call_end: time = time(20, 0)
    max_attempts: int = 3
    ring_no_answer_limit: int = 2
    retry_minutes: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RETRY_MINUTES))
    survey_id: int | None = None
    dial_mode: str = DialMode.PREVIEW
    progressive_countdown_s: int = DEFAULT_COUNTDOWN_S
    amd_enabled: bool = False
    amd_action: str = AmdAction.HANGUP
    abandon_sound: str = DEFAULT_ABANDON_SOUND
    dial_queue: str = DEFAULT_DIAL_QUEUE
    abandon_cap_pct: float = DEFAULT_ABANDON_CAP_PCT
    record_calls: bool = True  # its answered calls are recorded (MixMonitor)

    @classmethod
    def of(cls, campaign: Campaign) -> CampaignSettings:
        """The settings a campaign has now."""
        return cls(
            name=campaign.name,
            caller_id=campaign.caller_id,
            description=campaign.description,
            timezone=campaign.timezone,
            call_days=campaign.call_days,
            call_start=campaign.call_start,
            call_end=campaign.call_end,
            max_attempts=campaign.max_attempts,
            ring_no_answer_limit=campaign.ring_no_answer_limit,
            retry_minutes={k: int(v) for k, v in (campaign.retry_minutes or {}).items()},
            survey_id=campaign.survey_id,
            dial_mode=campaign.dial_mode,
            progressive_countdown_s=campaign.progressive_countdown_s,
            amd_enabled=campaign.amd_enabled,
            amd_action=campaign.amd_action,
            abandon_sound=campaign.abandon_sound,
            dial_queue=campaign.dial_queue,
            abandon_cap_pct=campaign.abandon_cap_pct,
            record_calls=campaign.record_calls,
        )
