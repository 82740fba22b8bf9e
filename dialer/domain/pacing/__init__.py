"""Predictive dialing: how many lines to dial for the ready agents, and under what cap.

``decision`` is the pacing rule itself (no database, no clock): the dial level
moves toward what the answer rate asks for, lowered as the abandon rate nears
the campaign's cap and pinned to one line per ready agent at the cap.
``figures`` measures a campaign from its calls; ``placing`` claims leads and
writes the customer-first calls; ``bridging`` binds an answered customer to the
agent the queue gave them, or records the call as ABANDON when no agent came.
"""
