"""The pacing rule: lines per ready agent from the answer rate, held down by the abandon cap."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from dialer.domain.pacing.decision import MAX_LEVEL, STEP_UP, PacingInputs, decide

STEADY = PacingInputs(
    ready_agents=10,
    soon_free_agents=0,
    lines_in_flight=0,
    customers_waiting=0,
    answer_rate=0.3,
    sample_calls=500,
    abandon_today_pct=0.0,
    abandon_30d_pct=0.0,
    cap_pct=3.0,
    level=3.0,
)


def test_a_low_answer_rate_dials_several_lines_per_waiting_agent() -> None:
    chosen = decide(STEADY)
    # 30% answer: about 3.3 lines per agent; the level climbs a step from 3.0.
    assert chosen.level == 3.0 + STEP_UP
    assert chosen.lines == 31
    assert chosen.reason == "adapting"


def test_lines_already_ringing_are_counted_before_dialling_more() -> None:
    assert decide(replace(STEADY, lines_in_flight=25)).lines == 6
    assert decide(replace(STEADY, lines_in_flight=40)).lines == 0


def test_no_ready_agent_means_no_line_at_all() -> None:
    chosen = decide(replace(STEADY, ready_agents=0, soon_free_agents=5))
    assert (chosen.lines, chosen.reason) == (0, "no_agents")


def test_at_the_cap_it_is_one_line_per_ready_agent_at_once() -> None:
    chosen = decide(replace(STEADY, abandon_today_pct=3.0, level=3.5, lines_in_flight=4))
    assert (chosen.level, chosen.lines, chosen.reason) == (1.0, 6, "capped")


def test_the_rolling_30_days_cap_binds_too() -> None:
    chosen = decide(replace(STEADY, abandon_today_pct=0.0, abandon_30d_pct=3.2, level=2.0))
    assert (chosen.level, chosen.reason) == (1.0, "capped")


def test_customers_waiting_for_an_agent_take_a_ready_agent_each_at_the_cap() -> None:
    chosen = decide(replace(STEADY, abandon_today_pct=4.0, customers_waiting=3, lines_in_flight=2))
    assert chosen.lines == 5


def test_near_the_cap_the_level_drops() -> None:
    near = decide(replace(STEADY, abandon_today_pct=2.7, level=3.0))
    assert near.reason == "near_cap"
    assert near.level < 3.0
    assert near.lines < decide(STEADY).lines


def test_the_closer_to_the_cap_the_lower_the_level_aims() -> None:
    farther, nearer = [decide(replace(STEADY, abandon_today_pct=p, level=3.3)) for p in (2.0, 2.8)]
    assert farther.level > nearer.level


def test_until_enough_calls_were_measured_it_dials_one_line_per_agent() -> None:
    chosen = decide(replace(STEADY, sample_calls=5, answer_rate=0.1, level=1.0))
    assert (chosen.level, chosen.lines) == (1.0, 10)


def test_agents_about_to_finish_count_only_far_from_the_cap() -> None:
    far = decide(replace(STEADY, soon_free_agents=5, level=1.0, answer_rate=1.0))
    near = decide(
        replace(STEADY, soon_free_agents=5, level=1.0, answer_rate=1.0, abandon_today_pct=2.5)
    )
    assert (far.lines, near.lines) == (15, 10)


@given(
    ready=st.integers(0, 50),
    soon=st.integers(0, 50),
    in_flight=st.integers(0, 200),
    waiting=st.integers(0, 20),
    rate=st.floats(0, 1),
    sample=st.integers(0, 1000),
    today=st.floats(0, 20),
    rolling=st.floats(0, 20),
    cap=st.floats(0.5, 10),
    level=st.floats(0, 10),
)
def test_the_rule_holds_for_any_figures(
    ready, soon, in_flight, waiting, rate, sample, today, rolling, cap, level
) -> None:
    inputs = PacingInputs(ready, soon, in_flight, waiting, rate, sample, today, rolling, cap, level)
    chosen = decide(inputs)
    assert 1.0 <= chosen.level <= MAX_LEVEL
    assert chosen.lines >= 0
    if ready == 0:
        assert chosen.lines == 0
    if max(today, rolling) >= cap:
        assert chosen.lines + in_flight + waiting <= max(ready, in_flight + waiting)
