"""The campaign wing's refusal."""

from __future__ import annotations

from typing import Any

from dialer.domain.errors import DomainError


class CampaignError(DomainError):
    """A campaign change refused: ``code`` for the page, the message for the command line."""

    def __init__(self, code: str, message: str, **values: Any) -> None:
        super().__init__(code, message, **values)
        self.values = values
