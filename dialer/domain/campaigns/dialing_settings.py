"""How a campaign dials: the mode, the progressive countdown, answering machines, and
the predictive dialer's queue, abandon cap and the message an abandoned customer hears."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.domain.campaigns.errors import CampaignError
from dialer.domain.campaigns.settings import CampaignSettings
from dialer.models import Campaign, Queue
from dialer.models.campaigns import DEFAULT_ABANDON_SOUND, AmdAction, DialMode

DIAL_MODES = tuple(mode.value for mode in DialMode)
AMD_ACTIONS = tuple(action.value for action in AmdAction)
MAX_COUNTDOWN_S = 120
# The abandon cap, percent of answered calls: regulators ask 3% (UK Ofcom) to 5%.
MIN_ABANDON_CAP_PCT = 0.1
MAX_ABANDON_CAP_PCT = 10.0
# A sound file as Playback() names it (custom/abandoned): no extension, nothing a dialplan parses.
_SOUND_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/")


def apply_dialing(session: Session, campaign: Campaign, settings: CampaignSettings) -> None:
    """Check and set the dialing settings; CampaignError naming the first one that is wrong."""
    campaign.dial_mode = checked_dial_mode(settings.dial_mode)
    if not 0 <= settings.progressive_countdown_s <= MAX_COUNTDOWN_S:
        raise CampaignError(
            "countdown_range",
            f"the countdown is 0 to {MAX_COUNTDOWN_S} seconds",
            max=MAX_COUNTDOWN_S,
        )
    campaign.progressive_countdown_s = settings.progressive_countdown_s
    if settings.amd_action not in AMD_ACTIONS:
        raise CampaignError(
            "amd_action_unknown",
            f"unknown answering-machine action {settings.amd_action!r}: use "
            + " or ".join(AMD_ACTIONS),
        )
    campaign.amd_enabled = bool(settings.amd_enabled)
    campaign.amd_action = settings.amd_action
    campaign.abandon_sound = _checked_sound(settings.abandon_sound) or DEFAULT_ABANDON_SOUND
    # The queue matters only to a predictive campaign: it must then be one the PBX has.
    if campaign.dial_mode == DialMode.PREDICTIVE:
        campaign.dial_queue = _checked_queue(session, settings.dial_queue)
    elif settings.dial_queue:
        campaign.dial_queue = settings.dial_queue.strip()[:64]
    cap = float(settings.abandon_cap_pct)
    if not MIN_ABANDON_CAP_PCT <= cap <= MAX_ABANDON_CAP_PCT:
        raise CampaignError(
            "abandon_cap_range",
            f"the abandon cap is {MIN_ABANDON_CAP_PCT} to {MAX_ABANDON_CAP_PCT} percent",
            low=MIN_ABANDON_CAP_PCT,
            high=MAX_ABANDON_CAP_PCT,
        )
    campaign.abandon_cap_pct = cap


def checked_dial_mode(mode: str) -> str:
    """The dial mode, lower-cased; CampaignError naming the modes when it is not one."""
    wanted = (mode or "").strip().lower()
    if wanted not in DIAL_MODES:
        raise CampaignError(
            "dial_mode_unknown",
            f"unknown dial mode {mode!r}: use " + ", ".join(DIAL_MODES),
            modes=", ".join(DIAL_MODES),
        )
    return wanted


def queue_names(session: Session) -> list[str]:
    """The queues a predictive campaign may put its answered customers in."""
    return list(
        session.scalars(select(Queue.name).where(Queue.is_enabled.is_(True)).order_by(Queue.name))
    )


def _checked_queue(session: Session, name: str) -> str:
    name = (name or "").strip()
    if name not in queue_names(session):
        raise CampaignError("dial_queue_unknown", f"no enabled queue {name!r}", queue=name)
    return name


def _checked_sound(name: str) -> str:
    name = (name or "").strip()
    if len(name) > 120 or not set(name) <= _SOUND_CHARACTERS or ".." in name:
        raise CampaignError(
            "sound_invalid",
            "the abandon message is a sound file name: letters, digits, -, _ and / only",
        )
    return name
