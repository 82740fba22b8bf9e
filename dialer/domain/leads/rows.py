"""One chunk of a lead file turned into lead rows and rejections, column by column.

Everything here works on whole columns (pandas, numpy, or one C-level ``map``
over a column); nothing steps through rows in Python bytecode. The check that
needs the database (is the number already in the campaign?) happens when the
rows are stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from dialer.domain.leads import columns as col
from dialer.domain.leads.leadfile import Chunk
from dialer.domain.leads.terms import Reason
from dialer.domain.phones import normalise_phones

# The longest value each lead column holds (the model's String lengths).
LIMITS = {"phone_raw": 64, "first_name": 120, "last_name": 120, "email": 255}
LEAD_COLUMNS = ["line_no", "phone", "phone_raw", "first_name", "last_name", "email", "timezone",
                "custom"]  # fmt: skip
REJECTION_COLUMNS = ["line_no", "raw_value", "reason", "detail"]
_RAW_LIMIT = 500
_encode_string = json.encoder.encode_basestring  # type: ignore[attr-defined]


@dataclass
class PreparedChunk:
    """Rows ready to store (``key`` is the E.164 number as an integer) and rows refused."""

    leads: pd.DataFrame
    keys: np.ndarray
    rejections: pd.DataFrame
    rows_read: int
    ids: np.ndarray | None = None  # lead ids reserved in file order, where the store needs them


class SeenNumbers:
    """The numbers met so far in the file, with the line where each first appeared.

    Kept as a few sorted runs that merge as they grow (log of the file's size),
    so a lookup is a handful of binary searches and memory is 16 bytes a number.
    """

    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []

    def first_lines(self, keys: np.ndarray) -> np.ndarray:
        """For each key, the line it was first seen on, or -1."""
        found = np.full(len(keys), -1, dtype=np.int64)
        for seen_keys, seen_lines in self._runs:
            at = np.searchsorted(seen_keys, keys).clip(max=len(seen_keys) - 1)
            hit = seen_keys[at] == keys
            found[hit] = seen_lines[at[hit]]
        return found

    def add(self, keys: np.ndarray, lines: np.ndarray) -> None:
        """Remember first appearances (keys not seen before)."""
        if not len(keys):
            return
        order = np.argsort(keys)
        self._runs.append((keys[order], lines[order]))
        while len(self._runs) > 1 and len(self._runs[-1][0]) * 2 >= len(self._runs[-2][0]):
            (newer_keys, newer_lines), (older_keys, older_lines) = (
                self._runs.pop(),
                self._runs.pop(),
            )
            merged_keys = np.concatenate((older_keys, newer_keys))
            merged_lines = np.concatenate((older_lines, newer_lines))
            order = np.argsort(merged_keys, kind="stable")
            self._runs.append((merged_keys[order], merged_lines[order]))


def phone_keys(e164: pd.Series) -> np.ndarray:
    """E.164 numbers as int64 (the digits after "+"): compact and fast to compare."""
    return e164.str.slice(1).astype("int64").to_numpy()


def prepare_chunk(
    chunk: Chunk,
    mapping: Mapping[str, str],
    *,
    region: str,
    blacklist: np.ndarray,
    seen: SeenNumbers,
) -> PreparedChunk:
    """Normalise and check one chunk: what survives is unique in the file and not blacklisted."""
    frame, lines = chunk.frame, chunk.lines
    rejections = [_malformed(chunk)]
    phone_column = next(h for h, field in mapping.items() if field == col.PHONE)
    raw_phone = frame[phone_column]
    phones = normalise_phones(raw_phone, region)
    bad = phones["reason"].notna().to_numpy()
    rejections.append(_rejected(lines[bad], raw_phone[bad], phones["reason"][bad]))

    values = lead_values(frame, mapping)
    values["phone_raw"] = raw_phone
    too_long = _too_long(values) & ~bad
    rejections.append(
        _rejected(
            lines[too_long],
            raw_phone[too_long],
            Reason.MALFORMED_ROW,
            _long_detail(values, too_long),
        )
    )
    alive = ~bad & ~too_long
    keys = np.zeros(len(frame), dtype=np.int64)
    if alive.any():
        keys[alive] = phone_keys(phones["e164"][alive])
    blacklisted = alive & np.isin(keys, blacklist)
    rejections.append(_rejected(lines[blacklisted], raw_phone[blacklisted], Reason.BLACKLISTED))
    alive &= ~blacklisted

    first_line = _first_lines(keys, lines, alive, seen)
    duplicate = alive & (first_line != lines)
    rejections.append(
        _rejected(
            lines[duplicate],
            raw_phone[duplicate],
            Reason.DUPLICATE_IN_FILE,
            first_line[duplicate].astype(str),
        )
    )
    alive &= ~duplicate
    seen.add(keys[alive], lines[alive])

    leads = values[alive].reset_index(drop=True)
    leads.insert(0, "line_no", lines[alive])
    leads.insert(1, "phone", phones["e164"][alive].reset_index(drop=True))
    return PreparedChunk(
        leads=leads[LEAD_COLUMNS],
        keys=keys[alive],
        rejections=pd.concat(rejections, ignore_index=True),
        rows_read=len(frame) + len(chunk.malformed),
    )


def lead_values(frame: pd.DataFrame, mapping: Mapping[str, str]) -> pd.DataFrame:
    """Names, email, time zone and custom fields of every row, per the mapping."""
    by_field = {field: header for header, field in mapping.items() if field in col.FIELDS}
    blank = pd.Series("", index=frame.index, dtype="str")

    def take(field: str) -> pd.Series:
        header = by_field.get(field)
        return strip_spaces(frame[header]) if header else blank

    first, last = take(col.FIRST_NAME), take(col.LAST_NAME)
    if col.FULL_NAME in by_field:
        family, given = split_full_name(take(col.FULL_NAME))
        first = first.where(first != "", given)
        last = last.where(last != "", family)
    zone_text = take(col.TIMEZONE)
    zones = zone_text.map({text: normalise_timezone(text) for text in zone_text.unique()})
    custom = json_objects(frame, [h for h, field in mapping.items() if field == col.CUSTOM])
    # An unknown time zone is not lost: it stays with the lead as a custom field.
    unknown = np.flatnonzero(((zone_text != "") & zones.isna()).to_numpy())
    if len(unknown):
        key = _encode_string(by_field[col.TIMEZONE])
        for row in unknown.tolist():
            piece = f"{key}: {_encode_string(zone_text.iat[row])}"
            custom[row] = (
                "{" + piece + "}" if custom[row] == "{}" else custom[row][:-1] + ", " + piece + "}"
            )
    return pd.DataFrame(
        {
            "first_name": first,
            "last_name": last,
            "email": take(col.EMAIL),
            "timezone": zones,
            "custom": pd.Series(custom, index=frame.index, dtype="str"),
        }
    )


def strip_spaces(values: pd.Series) -> pd.Series:
    """Values without surrounding spaces (tabs are kept: they are the user's text)."""
    glued = "\x00" + "\x00".join(values.tolist()) + "\x00"
    if " \x00" in glued or "\x00 " in glued:
        return values.str.strip(" ")
    return values


def split_full_name(full: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vietnamese order: the given name is the last word, the family (and middle) name the rest."""
    parts = full.str.rsplit(" ", n=1, expand=True)
    # One column when no name has a space; none at all when the chunk has no row left.
    if parts.shape[1] < 2:
        return pd.Series("", index=full.index, dtype="str"), full
    single = parts[1].isna()
    given = parts[1].where(~single, parts[0]).fillna("")
    family = parts[0].where(~single, "").fillna("")
    return family.astype("str"), given.astype("str")


def json_objects(frame: pd.DataFrame, headers: list[str]) -> list[str]:
    """Each row's custom fields as JSON object text, one format call a row."""
    if not headers:
        return ["{}"] * len(frame)
    keys = [_encode_string(h).replace("{", "{{").replace("}", "}}") for h in headers]
    template = "{{" + ", ".join(f"{key}: {{}}" for key in keys) + "}}"
    values = [list(map(_encode_string, frame[h].tolist())) for h in headers]
    return list(map(template.format, *values))


_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])\s*(\d{1,2})(?::?00)?$", re.IGNORECASE)


@lru_cache(maxsize=4096)
def normalise_timezone(text: str) -> str | None:
    """An IANA zone name for ``text`` ("Asia/Ho_Chi_Minh", "UTC+7", "GMT+07:00"), or None."""
    text = text.strip()
    if not text:
        return None
    if text.upper() in {"UTC", "GMT", "Z"}:
        return "UTC"
    match = _OFFSET.match(text)
    if match:
        sign, hours = match.group(1), int(match.group(2))
        if hours > 14:
            return None
        # POSIX zone names invert the sign: UTC+7 is Etc/GMT-7.
        return "UTC" if hours == 0 else f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return text


def _first_lines(
    keys: np.ndarray, lines: np.ndarray, alive: np.ndarray, seen: SeenNumbers
) -> np.ndarray:
    """The line where each live row's number first appears in the file (its own line if here)."""
    first = lines.copy()
    if not alive.any():
        return first
    live_keys, live_lines = keys[alive], lines[alive]
    within = pd.Series(live_lines).groupby(live_keys, sort=False).transform("first").to_numpy()
    earlier = seen.first_lines(live_keys)
    first[alive] = np.where(earlier >= 0, earlier, within)
    return first


def _lengths(values: pd.Series) -> np.ndarray:
    return np.fromiter(map(len, values.tolist()), dtype=np.int64, count=len(values))


def _too_long(values: pd.DataFrame) -> np.ndarray:
    over = np.zeros(len(values), dtype=bool)
    for name, limit in LIMITS.items():
        over |= _lengths(values[name]) > limit
    return over


def _long_detail(values: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    detail = np.full(int(rows.sum()), "", dtype=object)
    for name, limit in reversed(LIMITS.items()):
        detail[_lengths(values.loc[rows, name]) > limit] = f"too_long:{name}:{limit}"
    return detail


def _malformed(chunk: Chunk) -> pd.DataFrame:
    rows = chunk.malformed
    return pd.DataFrame(
        {
            "line_no": np.asarray([m.line for m in rows], dtype=np.int64),
            "raw_value": pd.Series([m.raw for m in rows], dtype="str"),
            "reason": Reason.MALFORMED_ROW.value,
            "detail": pd.Series([m.detail for m in rows], dtype="str"),
        },
        columns=REJECTION_COLUMNS,
    )


def _rejected(
    lines: np.ndarray,
    raw: pd.Series,
    reason: str | pd.Series,
    detail: str | pd.Series | np.ndarray = "",
) -> pd.DataFrame:
    def plain(value: str | pd.Series | np.ndarray) -> object:
        if isinstance(value, pd.Series):
            return value.to_numpy()
        return value

    return pd.DataFrame(
        {
            "line_no": lines,
            "raw_value": raw.str.slice(0, _RAW_LIMIT).to_numpy(),
            "reason": plain(reason),
            "detail": plain(detail),
        },
        columns=REJECTION_COLUMNS,
    )
