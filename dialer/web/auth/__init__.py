"""Signing in and out, the language choice, and sign-in throttling."""
