"""Queue events on a real database: the inbound call row, its statuses (I5), the screen pops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dialer.domain.dialing import inbound
from dialer.extensions import db
from dialer.models import AgentSession, Call, Contact
from tests.factories.calls import QueueCallScript, outbound_call
from tests.factories.people import signed_in_agent

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def _events(notices, user_id):
    return [n.event for n in notices if n.user_id == user_id]


def _rows(number):
    return list(db.session.scalars(select(Call).where(Call.customer_number == number)))


def test_an_answered_call_pops_the_screen_turns_the_agent_red_and_ends_completecaller(ctx):
    agent, agent_session = signed_in_agent(db.session, at=T0)
    db.session.add(Contact(phone="+84912345678", name="Trần Văn Khách", is_vip=True))
    script = QueueCallScript(db.session, "0912345678", T0)
    script.join()
    offer = script.offer("1001")
    assert _events(offer, agent.id) == ["inbound_offer", "agent"]
    pop = offer[0].data
    assert (pop["number"], pop["name"], pop["is_vip"]) == ("+84912345678", "Trần Văn Khách", True)
    assert offer[1].data["state"] == "ringing"
    assert agent_session.current_call_id == script.call().id

    connected = script.connect("1001", after_s=4, hold_s=5)
    assert _events(connected, agent.id) == ["inbound_connected", "agent"]
    assert connected[1].data["state"] == "connected"
    assert script.call().state == "connected" and script.call().wait_s == 5

    ended = script.complete("1001", "COMPLETECALLER", after_s=75, hold_s=5)
    call = script.call()
    assert (call.status, call.state, call.talk_s, call.wait_s) == ("COMPLETECALLER", "ended", 75, 5)
    assert call.agent_id == agent.id and call.is_vip and call.hung_up_by == "customer"
    assert _events(ended, agent.id) == ["inbound_ended", "agent"]
    assert ended[1].data["state"] == "ready" and agent_session.current_call_id is None
    assert len(_rows("+84912345678")) == 1


def test_the_agent_hanging_up_or_transferring_gives_completeagent_and_transfer(ctx):
    signed_in_agent(db.session, at=T0)
    for status in ("COMPLETEAGENT", "TRANSFER"):
        script = QueueCallScript(db.session, "0283 822 1234", T0)
        script.offer("1001")
        script.connect("1001")
        script.complete("1001", status)
        assert script.call().status == status
    assert {c.status for c in _rows("+842838221234")} == {"COMPLETEAGENT", "TRANSFER"}


def test_ring_no_answer_stays_in_the_first_agents_history_and_the_next_agent_takes_the_call(ctx):
    first, first_session = signed_in_agent(db.session, "agent1", "1001", at=T0)
    second, _ = signed_in_agent(db.session, "agent2", "1002", at=T0)
    script = QueueCallScript(db.session, "+84 912 000 111", T0)
    script.join()
    script.offer("1001")
    missed = script.ring_no_answer("1001", after_s=15)
    assert _events(missed, first.id) == ["inbound_ended", "agent"]
    assert missed[0].data["status"] == "RINGNOANSWER" and first_session.state == "ready"
    script.offer("1002")
    script.connect("1002")
    script.complete("1002", "COMPLETEAGENT")

    by_agent = {c.agent_id: c.status for c in _rows("+84912000111")}
    assert by_agent == {first.id: "RINGNOANSWER", second.id: "COMPLETEAGENT"}
    leg = next(c for c in _rows("+84912000111") if c.status == "RINGNOANSWER")
    assert (leg.ended_at - leg.created_at).total_seconds() == 15


def test_an_abandoned_call_ends_abandon_and_clears_the_screen_that_was_ringing(ctx):
    agent, agent_session = signed_in_agent(db.session, at=T0)
    script = QueueCallScript(db.session, "0912345678", T0)
    script.join()
    script.offer("1001", after_s=2)
    gone = script.abandon(after_s=8, hold_s=10)
    call = script.call()
    assert (call.status, call.wait_s, call.talk_s, call.agent_id) == ("ABANDON", 10, 0, agent.id)
    assert _events(gone, agent.id) == ["inbound_ended", "agent"]
    assert agent_session.state == "ready"


def test_a_call_abandoned_before_any_agent_rang_is_recorded_without_an_agent(ctx):
    script = QueueCallScript(db.session, "0912345678", T0)
    script.join()
    assert script.abandon(after_s=30) == []
    call = script.call()
    assert (call.status, call.agent_id, call.wait_s) == ("ABANDON", None, 30)


def test_ringing_several_agents_at_once_tells_the_others_when_one_answers(ctx):
    first, first_session = signed_in_agent(db.session, "agent1", "1001", at=T0)
    second, _ = signed_in_agent(db.session, "agent2", "1002", at=T0)
    script = QueueCallScript(db.session, "0912345678", T0)
    script.offer("1001", after_s=0)
    script.offer("1002", after_s=0)
    connected = script.connect("1002")
    assert _events(connected, first.id) == ["inbound_ended", "agent"]
    assert connected[0].data["reason"] == "answered_elsewhere"
    assert _events(connected, second.id) == ["inbound_connected", "agent"]
    assert first_session.state == "ready" and first_session.current_call_id is None
    assert script.call().agent_id == second.id


def test_events_seen_twice_or_after_the_end_change_nothing(ctx):
    agent, agent_session = signed_in_agent(db.session, at=T0)
    script = QueueCallScript(db.session, "0912345678", T0)
    script.offer("1001")
    script.ring_no_answer("1001", after_s=10)
    assert script.replay() == []
    script.offer("1001")
    script.connect("1001")
    script.complete("1001", "COMPLETECALLER", after_s=40)
    assert script.complete("1001", "COMPLETEAGENT", after_s=5) == []
    assert script.offer("1001") == [] and script.abandon() == []
    statuses = sorted(c.status for c in _rows("+84912345678"))
    assert statuses == ["COMPLETECALLER", "RINGNOANSWER"]
    assert agent_session.state == "ready"


def test_the_first_event_seen_may_be_the_last_one(ctx):
    agent, _ = signed_in_agent(db.session, at=T0)
    script = QueueCallScript(db.session, "0912345678", T0)
    script.complete("1001", "COMPLETEAGENT", after_s=50, hold_s=7)
    call = script.call()
    assert (call.status, call.agent_id) == ("COMPLETEAGENT", agent.id)
    assert (call.talk_s, call.wait_s) == (50, 7)
    assert (call.ended_at - call.created_at).total_seconds() == 57


def test_a_ringing_extension_without_a_signed_in_agent_pops_nothing(ctx):
    script = QueueCallScript(db.session, "0912345678", T0)
    assert script.offer("1999") == []
    assert script.connect("1999") == []
    script.complete("1999", "COMPLETECALLER")
    assert script.call().agent_id is None and script.call().extension == "1999"


def test_an_anonymous_caller_and_an_unparsable_number_are_kept_as_given(ctx):
    signed_in_agent(db.session, at=T0)
    hidden = QueueCallScript(db.session, "", T0)
    pop = hidden.offer("1001")[0].data
    assert pop["number"] == "" and pop["contact"] is None
    hidden.abandon()
    odd = QueueCallScript(db.session, "5551239999", T0)
    odd.offer("1001")
    assert odd.call().customer_number == "5551239999"


def test_our_own_customer_first_calls_are_left_to_the_dialing_domain(ctx):
    from dialer.telephony.port import QueueCallOffered

    signed_in_agent(db.session, at=T0)
    event = QueueCallOffered(
        at=T0, call_ref="1.1", queue="support", caller_number="0912345678", extension="1001"
    )
    object.__setattr__(event, "call_uid", "our-call")  # the adapter's field for calls we placed
    assert inbound.apply_queue_event(db.session, event) == []
    assert db.session.scalar(select(Call)) is None
    assert db.session.scalar(select(AgentSession)).state == "ready"


def test_after_a_reconnect_calls_the_pbx_no_longer_has_are_closed(ctx):
    agent, agent_session = signed_in_agent(db.session, at=T0)
    talking = QueueCallScript(db.session, "0912000001", T0)
    talking.offer("1001")
    talking.connect("1001")
    waiting = QueueCallScript(db.session, "0912000002", T0)
    waiting.join()
    still_up = QueueCallScript(db.session, "0912000003", T0)
    still_up.join()
    later = T0 + timedelta(minutes=5)
    notices = inbound.reconcile_queue_calls(db.session, {still_up.ref}, later)
    assert (talking.call().status, talking.call().talk_s) == ("COMPLETECALLER", 5 * 60 - 4)
    assert (waiting.call().status, waiting.call().wait_s) == ("ABANDON", 5 * 60)
    assert still_up.call().state == "queued"
    assert _events(notices, agent.id) == ["inbound_ended", "agent"]
    assert agent_session.state == "ready"


def test_a_queue_offer_does_not_take_the_bar_of_an_agent_on_an_outbound_call(ctx):
    agent, agent_session = signed_in_agent(db.session, at=T0)
    outbound = outbound_call(db.session, agent, "0912000009", T0)
    outbound.state = "connected"
    agent_session.current_call_id, agent_session.state = outbound.id, "connected"
    script = QueueCallScript(db.session, "0912345678", T0)
    assert _events(script.offer("1001"), agent.id) == ["inbound_offer"]
    assert (agent_session.state, agent_session.current_call_id) == ("connected", outbound.id)


def test_the_pbx_caller_name_is_shown_unless_it_is_only_the_number_again(ctx):
    signed_in_agent(db.session, at=T0)
    named = QueueCallScript(db.session, "0912000001", T0, name="NGUYEN VAN A")
    assert named.offer("1001")[0].data["name"] == "NGUYEN VAN A"
    named.abandon()
    numbered = QueueCallScript(db.session, "0912000002", T0, name="0912000002")
    assert numbered.offer("1001")[0].data["name"] == ""


def test_a_caller_who_is_a_campaign_lead_is_named_by_the_lead_unless_a_contact_names_them(ctx):
    from tests.factories.campaigns import make_campaign
    from tests.factories.leads import make_lead

    agent, _agent_session = signed_in_agent(db.session, at=T0)
    campaign = make_campaign(db.session)
    make_lead(db.session, campaign, "+84912345679", first_name="Tám", last_name="Lê Văn")
    script = QueueCallScript(db.session, "0912345679", T0)
    offer = script.offer("1001")
    assert offer[0].data["name"] == "Lê Văn Tám"
    connected = script.connect("1001", after_s=3)
    assert connected[0].data["name"] == "Lê Văn Tám"
    script.complete("1001", "COMPLETECALLER", after_s=30)

    db.session.add(Contact(phone="+84912345679", name="Chị Tám"))
    again = QueueCallScript(db.session, "0912345679", T0 + timedelta(hours=1))
    assert again.offer("1001")[0].data["name"] == "Chị Tám"
