"""Calls: Get Lead and the outbound call, compliance, a call's life, inbound queue calls, and the
table from port events to their handlers."""
