"""The pacing rule: from what a campaign looks like now to how many lines to dial.

Like the adaptive modes of the dialers call centres know (VICIdial's
"ADAPT_HARD_LIMIT"), the dial level is the number of lines per waiting agent.
It moves a step per tick toward the level the measured answer rate asks for
(one answered call per waiting agent), scaled down by how little room is left
under the abandon cap. At the cap the level is 1.0: one line per ready agent,
which cannot abandon anyone an agent is not already waiting for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# A level never goes past this: a burst of luck in the answer rate must not flood the trunk.
MAX_LEVEL = 4.0
# How far the level may move in one tick, up and down: down is faster than up.
STEP_UP = 0.1
STEP_DOWN = 0.5
# Below this share of the cap the level aims at the full answer-rate level; above it, less.
NEAR_CAP_SHARE = 0.6
# Until this many calls were measured the answer rate is taken as 1: one line per agent.
MIN_SAMPLE_CALLS = 20


@dataclass(frozen=True)
class PacingInputs:
    """What the pacing rule looks at, measured at one instant."""

    ready_agents: int  # signed in and Ready: waiting for a customer
    soon_free_agents: int  # on a call that has talked about as long as the average handle time
    lines_in_flight: int  # dialled, not answered and not ended yet
    customers_waiting: int  # answered, waiting in the queue for an agent
    answer_rate: float  # answered / dialled over the recent window (0..1)
    sample_calls: int  # how many dialled calls the answer rate comes from
    abandon_today_pct: float  # abandoned / answered, the campaign's day, in percent
    abandon_30d_pct: float  # the same over the rolling 30 days
    cap_pct: float  # the campaign's hard cap, in percent
    level: float  # the dial level of the previous tick


@dataclass(frozen=True)
class PacingDecision:
    """The new dial level, how many new lines to dial now, and why."""

    level: float
    lines: int
    reason: str  # capped | near_cap | adapting | no_agents


def target_level(answer_rate: float, sample_calls: int) -> float:
    """The level at which the expected answers match the waiting agents."""
    if sample_calls < MIN_SAMPLE_CALLS or answer_rate <= 0:
        return 1.0
    return min(MAX_LEVEL, max(1.0, 1.0 / answer_rate))


def headroom_share(abandon_pct: float, cap_pct: float) -> float:
    """1 when the abandon rate is far below the cap, falling to 0 at the cap."""
    if cap_pct <= 0:
        return 0.0
    used = abandon_pct / cap_pct
    if used <= NEAR_CAP_SHARE:
        return 1.0
    return max(0.0, (1.0 - used) / (1.0 - NEAR_CAP_SHARE))


def decide(inputs: PacingInputs) -> PacingDecision:
    """The dial level and the number of new lines for this tick.

    Guarantees: no line without a ready agent; at or above the cap, never more
    lines in flight than ready agents (minus customers already waiting for one);
    the level stays within 1..MAX_LEVEL and moves at most a step per tick
    except at the cap, where it falls to 1 at once.
    """
    abandon_pct = max(inputs.abandon_today_pct, inputs.abandon_30d_pct)
    if abandon_pct >= inputs.cap_pct:
        lines = inputs.ready_agents - inputs.lines_in_flight - inputs.customers_waiting
        return PacingDecision(1.0, max(0, lines), "capped")
    share = headroom_share(abandon_pct, inputs.cap_pct)
    wanted = 1.0 + (target_level(inputs.answer_rate, inputs.sample_calls) - 1.0) * share
    level = _step_toward(inputs.level, wanted)
    reason = "near_cap" if share < 1.0 else "adapting"
    if inputs.ready_agents <= 0:
        return PacingDecision(level, 0, "no_agents")
    # Agents about to finish count only while the cap leaves room for a misjudged guess.
    agents = inputs.ready_agents + (inputs.soon_free_agents if share >= 1.0 else 0)
    wanted_lines = math.floor(agents * level + 1e-9)
    lines = wanted_lines - inputs.lines_in_flight - inputs.customers_waiting
    return PacingDecision(level, max(0, lines), reason)


def _step_toward(level: float, wanted: float) -> float:
    level = min(MAX_LEVEL, max(1.0, level))
    if wanted > level:
        return round(min(wanted, level + STEP_UP), 3)
    return round(max(wanted, level - STEP_DOWN), 3)
