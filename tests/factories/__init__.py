"""Builders of test data, one module per concern.

``people`` (extensions, users, agents with a session, pause reasons), ``campaigns``
(campaigns, surveys, the blacklist), ``leads`` (leads, lead files and import runs),
``calls`` (queue calls from port events, ended outbound calls), ``desk`` (a whole
agent desk: agent, running campaign, leads, survey, reasons). Each builder adds to
the session and flushes; keyword overrides go to the model.
"""
