"""Campaigns: their life cycle, surveys and saved answers, and the blacklist."""
