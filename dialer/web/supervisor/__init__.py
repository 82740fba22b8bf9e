"""The supervisor's pages: the wallboard."""
