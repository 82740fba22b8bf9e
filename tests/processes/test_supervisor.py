"""The supervisor's back-off: quick deaths wait longer each time, a stable child starts over."""

from __future__ import annotations

from dialer.processes.supervisor import Backoff, exit_status


def test_quick_deaths_double_the_delay_up_to_the_cap() -> None:
    backoff = Backoff(first=0.5, cap=30.0, stable_after=60.0)
    delays = [backoff.after_death(uptime=1.0) for _ in range(9)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]


def test_a_child_that_stayed_up_a_while_is_restarted_at_once_again() -> None:
    backoff = Backoff(first=0.5, cap=30.0, stable_after=60.0)
    for _ in range(5):
        backoff.after_death(uptime=1.0)
    assert backoff.after_death(uptime=61.0) == 0.5
    assert backoff.after_death(uptime=2.0) == 1.0


def test_the_exit_status_reads_as_an_operator_expects() -> None:
    assert exit_status(-9) == "killed by SIGKILL"
    assert exit_status(1) == "exit status 1"
    assert exit_status(0) == "exit status 0"
