"""Helpdesk credentials at rest: Fernet tokens under a key from the environment."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from dialer.domain.errors import DomainError

KEY_MISSING = "crm_key_missing"
KEY_WRONG = "crm_key_wrong"


def _fernet(key: str | None) -> Fernet:
    if not key:
        raise DomainError(KEY_MISSING, "DIALER_CRM_KEY is not set")
    # Any passphrase works: the Fernet key is its SHA-256, so a rotated
    # DIALER_CRM_KEY of any shape is accepted, and a wrong one is detected.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def encrypt(key: str | None, secret: str) -> str:
    """The secret as a Fernet token ('' stays '')."""
    return _fernet(key).encrypt(secret.encode()).decode() if secret else ""


def decrypt(key: str | None, token: str) -> str:
    """The secret back; DomainError KEY_WRONG when the key is not the one it was stored with."""
    if not token:
        return ""
    try:
        return _fernet(key).decrypt(token.encode()).decode()
    except InvalidToken:
        raise DomainError(KEY_WRONG, "DIALER_CRM_KEY is not the key the credentials use") from None
