"""The one base class of every refusal the domain makes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    """A rule refused an action and nothing was saved.

    ``code`` is stable (the API returns it; the edge looks its sentence up by it),
    ``params`` fill that sentence, ``fields`` name the inputs at fault.
    """

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        fields: Mapping[str, str] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(message or code)
        self.code = code
        self.params = params
        self.fields = dict(fields or {})
