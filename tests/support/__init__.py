"""Test support that is not data: HTTP sign-in helpers, the live PBX parts, bounded waiting."""
