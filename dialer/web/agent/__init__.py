"""The agent's pages: the desktop, the caller view and the history page."""
