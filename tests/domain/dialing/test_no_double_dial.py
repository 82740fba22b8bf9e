"""No path may originate for a lead whose call has not ended (issue 13, item 1)."""

from __future__ import annotations

import pytest

from dialer.domain.dialing import outbound as dialing
from dialer.domain.people import agents
from dialer.domain.people.agents import AgentError
from dialer.extensions import db
from dialer.models import AgentState, Call, CallState
from tests.factories.campaigns import MORNING, make_campaign
from tests.factories.leads import make_lead
from tests.factories.people import make_agent


def test_a_lead_with_a_call_still_up_is_never_dialled_again(ctx) -> None:
    user, agent_session = make_agent(db.session)
    campaign = make_campaign(db.session, agents=[user])
    lead = make_lead(db.session, campaign)
    dialing.claim_next_lead(db.session, user.id, campaign.id, MORNING)
    first, _ = dialing.start_call(db.session, user.id, MORNING, lead_id=lead.id)
    dialing.prepare_originate(db.session, first.id, MORNING, ring_timeout_s=30, dial_timeout_s=30)
    # Whatever made the agent Ready again (a lost screen, a second session), the lead is on a call.
    agents.set_state(agent_session, AgentState.READY, MORNING)
    with pytest.raises(AgentError) as refused:
        dialing.start_call(db.session, user.id, MORNING, lead_id=lead.id)
    assert refused.value.code == dialing.CALL_IN_PROGRESS
    assert db.session.query(Call).filter(Call.state != CallState.ENDED).count() == 1
