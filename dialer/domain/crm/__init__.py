"""The helpdesk on the call (C1-C3): one port, and its connectors (builtin, Freshdesk,
Zendesk, generic). Only this package talks HTTP to a helpdesk."""
