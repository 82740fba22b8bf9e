"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106), and the rules
a new password must meet: a minimum length and not one of the commonest passwords.

No composition rules (NIST SP 800-63B): length and a deny list do more than
"one digit, one symbol" ever did.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dialer.domain.errors import DomainError

MIN_LENGTH = 10
MAX_LENGTH = 256

PASSWORD_EMPTY = "password_empty"  # noqa: S105 (a refusal code)
PASSWORD_TOO_SHORT = "password_too_short"  # noqa: S105 (a refusal code)
PASSWORD_TOO_LONG = "password_too_long"  # noqa: S105 (a refusal code)
PASSWORD_COMMON = "password_common"  # noqa: S105 (a refusal code)

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the time of a
# failed login the same whether or not the agent id is known. Made on the first
# failed look-up, not at import: a hash costs tens of milliseconds.
_dummy: list[str] = []


def _dummy_hash() -> str:
    if not _dummy:
        _dummy.append(_hasher.hash("not-a-password"))
    return _dummy[0]


class PasswordRefused(DomainError):
    """A new password does not meet the rules; ``code`` says which."""


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; spends the same time when there is no hash."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


@cache
def common_passwords() -> frozenset[str]:
    """The 10,000 commonest passwords, lowercase (read once from dialer/data)."""
    text = files("dialer").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line and not line.startswith("#")
    )


def check_new_password(password: str, *, username: str = "") -> None:
    """Raise PasswordRefused unless the password is long enough and not a common one."""
    if not password or not password.strip():
        raise PasswordRefused(PASSWORD_EMPTY, fields={"password": PASSWORD_EMPTY})
    if len(password) < MIN_LENGTH:
        raise PasswordRefused(
            PASSWORD_TOO_SHORT, fields={"password": PASSWORD_TOO_SHORT}, min=MIN_LENGTH
        )
    if len(password) > MAX_LENGTH:
        raise PasswordRefused(
            PASSWORD_TOO_LONG, fields={"password": PASSWORD_TOO_LONG}, max=MAX_LENGTH
        )
    folded = password.strip().lower()
    if folded in common_passwords() or (username and folded == username.strip().lower()):
        raise PasswordRefused(PASSWORD_COMMON, fields={"password": PASSWORD_COMMON})


def new_password_hash(password: str, *, username: str = "") -> str:
    """The argon2id hash of a password that meets the rules (raises PasswordRefused)."""
    check_new_password(password, username=username)
    return hash_password(password)
