"""Numbers never to be called: normalised like leads, in force for every campaign at once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from dialer.domain.errors import DomainError
from dialer.domain.leads.columns import PHONE, guess_mapping, header_key
from dialer.domain.leads.terms import FileLimits
from dialer.domain.phones import NormalisedPhone, PhoneRejection, normalise_phone, normalise_phones
from dialer.models import BlacklistNumber

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

_REASON_HEADERS = {"reason", "lydo", "ghichu", "note", "notes", "comment"}
_RAW_LIMIT = 64
_REASON_LIMIT = 255


class BlacklistError(DomainError):
    """A number that cannot be blacklisted: ``code`` is a PhoneRejection value or "already"."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


def add_number(
    session: Session, raw: str, reason: str, *, added_by_id: int | None, region: str
) -> BlacklistNumber:
    """Blacklist one number (any shape a lead may have); BlacklistError if invalid or present."""
    number = normalise_phone(raw, region)
    if isinstance(number, PhoneRejection):
        raise BlacklistError(number.value, f"{raw!r}: {number.value.replace('_', ' ')}")
    existing = session.scalar(select(BlacklistNumber).where(BlacklistNumber.phone == number.e164))
    if existing is not None:
        raise BlacklistError("already", f"{number.e164} is already blacklisted")
    entry = BlacklistNumber(
        phone=number.e164,
        phone_raw=raw.strip()[:_RAW_LIMIT],
        reason=reason.strip()[:_REASON_LIMIT],
        added_by_id=added_by_id,
    )
    session.add(entry)
    session.flush()
    return entry


def remove_number(session: Session, entry_id: int) -> BlacklistNumber | None:
    """Take a number off the blacklist; returns what was removed (None if it was not there)."""
    entry = session.get(BlacklistNumber, entry_id)
    if entry is not None:
        session.delete(entry)
        session.flush()
    return entry


def is_number_blacklisted(session: Session, number: str, region: str) -> bool:
    """True when ``number``, in any shape, is on the blacklist."""
    normalised = normalise_phone(number, region)
    if not isinstance(normalised, NormalisedPhone):
        return False
    return session.scalar(select(func.count()).where(BlacklistNumber.phone == normalised.e164)) > 0


def search(
    session: Session, query: str, *, page: int = 1, per_page: int = 50
) -> tuple[list[BlacklistNumber], int]:
    """Entries matching ``query`` (digits of the number in any shape, or words of the reason)."""
    statement = select(BlacklistNumber)
    query = query.strip()
    if query:
        digits = re.sub(r"\D", "", query)
        conditions = [BlacklistNumber.reason.ilike(f"%{_like(query)}%")]
        if digits:
            # "0912 345" and "+84 912 345" both find +84912345...: drop the trunk zero.
            conditions.append(BlacklistNumber.phone.contains(digits.lstrip("0") or digits))
        statement = statement.where(or_(*conditions))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(
        statement.order_by(BlacklistNumber.created_at.desc(), BlacklistNumber.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return list(rows), total


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class UploadResult:
    """What a blacklist upload did, with each refused line and why."""

    added: int = 0
    already: int = 0
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # line, value, reason


def upload_numbers(
    session: Session,
    path: str | Path,
    reason: str,
    *,
    added_by_id: int | None,
    region: str,
    now: datetime,
    limits: FileLimits | None = None,
) -> UploadResult:
    """Blacklist every number of a file (its phone column; a reason column if it has one)."""
    from dialer.domain.leads.files import open_lead_file  # pandas loads with the first upload

    result = UploadResult()
    with open_lead_file(path, limits) as lead_file:
        headers = lead_file.headers
        phone_column = _phone_column(headers)
        reason_column = next((h for h in headers if header_key(h) in _REASON_HEADERS), None)
        for chunk in lead_file.chunks():
            for malformed in chunk.malformed:
                result.refused.append((malformed.line, malformed.raw, "malformed_row"))
            numbers = normalise_phones(chunk.frame[phone_column], region)
            bad = numbers["reason"].notna().to_numpy()
            for line, raw, why in zip(
                chunk.lines[bad],
                chunk.frame[phone_column][bad],
                numbers["reason"][bad],
                strict=True,
            ):
                result.refused.append((int(line), raw, why))
            reasons = chunk.frame[reason_column] if reason_column else None
            rows = _rows(chunk.frame[phone_column], numbers, reasons, reason, added_by_id, ~bad)
            added = _insert_new(session, rows, now)
            result.added += added
            result.already += len(rows) - added
    return result


def _phone_column(headers: list[str]) -> str:
    guessed = [h for h, f in guess_mapping(headers).items() if f == PHONE]
    return guessed[0] if guessed else headers[0]


def _rows(
    raw: pd.Series,
    numbers: pd.DataFrame,
    reasons: pd.Series | None,
    default_reason: str,
    added_by_id: int | None,
    good: np.ndarray,
) -> list[dict[str, object]]:
    rows: dict[str, dict[str, object]] = {}
    reason_values = reasons[good].tolist() if reasons is not None else None
    for index, (e164, text) in enumerate(
        zip(numbers["e164"][good].tolist(), raw[good].tolist(), strict=True)
    ):
        own = reason_values[index].strip() if reason_values else ""
        rows.setdefault(
            e164,
            {
                "phone": e164,
                "phone_raw": text.strip()[:_RAW_LIMIT],
                "reason": (own or default_reason.strip())[:_REASON_LIMIT],
                "added_by_id": added_by_id,
            },
        )
    return list(rows.values())


def _insert_new(session: Session, rows: list[dict[str, object]], now: datetime) -> int:
    """Insert numbers not yet blacklisted; returns how many were new."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgres_insert if dialect == "postgresql" else sqlite_insert
    before = session.scalar(select(func.count()).select_from(BlacklistNumber)) or 0
    session.execute(
        insert(BlacklistNumber).on_conflict_do_nothing(index_elements=["phone"]),
        [{**row, "created_at": now, "blocks_inbound": False} for row in rows],
    )
    after = session.scalar(select(func.count()).select_from(BlacklistNumber)) or 0
    return after - before
