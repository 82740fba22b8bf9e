"""Phone numbers as people type them, turned into E.164.

One rule, two speeds. :func:`normalise_phone` is the rule for one value (a
form, a caller lookup): tidy the text, then ask ``phonenumbers``.
:func:`normalise_phones` gives the same answers for a whole column: the shapes
a lead list is made of (national with or without its trunk prefix, with the
country code, with or without ``+``) are matched by one regular expression
built from ``phonenumbers``' own metadata for the default region, and only the
rows it cannot vouch for go through the library one by one.
"""

from __future__ import annotations

import enum
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberFormat

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_REGION = "VN"

# Spreadsheets turn 0912345678 into the float 912345678.0.
_EXCEL_FLOAT = r"^\s*([0-9]+)\.0+\s*$"
# What people put between digits; "/" is not here because it separates two numbers. The
# invisible ones (byte-order mark, zero-width space and joiners, direction marks, soft hyphen)
# come along when a number is copied from a web page or a file saved with a BOM.
_SEPARATORS = r"[\s.\-()'\u00ad\u200b-\u200f\u2060\ufeff]"
_SHAPE = r"\+?[0-9]+"
_EXCEL_FLOAT_RE = re.compile(_EXCEL_FLOAT)
_SEPARATORS_RE = re.compile(_SEPARATORS)
_SHAPE_RE = re.compile(_SHAPE)

# Mobile first: alternation stops at the first match and lead lists are mostly mobiles.
_NUMBER_TYPES = (
    "mobile",
    "fixed_line",
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)


class PhoneRejection(enum.StrEnum):
    """Why a value is not a dialable number; the values are stored in rejection rows."""

    MISSING = "missing_phone"
    NOT_A_PHONE = "not_a_phone"
    INVALID = "invalid_number"


@dataclass(frozen=True, slots=True)
class NormalisedPhone:
    """A valid number in E.164, with the text it was read from."""

    e164: str
    raw: str


def normalise_phone(raw: object, region: str = DEFAULT_REGION) -> NormalisedPhone | PhoneRejection:
    """Return ``raw`` in E.164, or why it is not a number; the column path answers the same."""
    text = "" if raw is None or (not isinstance(raw, str) and _missing(raw)) else str(raw)
    cleaned = _SEPARATORS_RE.sub("", _EXCEL_FLOAT_RE.sub(r"\1", text))
    if not cleaned:
        return PhoneRejection.MISSING
    if not _SHAPE_RE.fullmatch(cleaned):
        return PhoneRejection.NOT_A_PHONE
    e164 = _parse_with_library(cleaned, region)
    return NormalisedPhone(e164, text) if e164 else PhoneRejection.INVALID


def _missing(value: object) -> bool:
    """An empty cell: None's cousins NaN, NA and NaT (only pandas makes the last two)."""
    pandas = sys.modules.get("pandas")
    if pandas is not None:
        return bool(pandas.isna(value))
    return value != value  # NaN is the one value unequal to itself  # noqa: PLR0124


def normalise_phones(raw: pd.Series, region: str = DEFAULT_REGION) -> pd.DataFrame:
    """Normalise a column to ``e164`` and ``reason`` (one is NaN), as normalise_phone would."""
    import pandas as pd

    cleaned = _clean(raw.astype("str").where(raw.notna(), ""))
    fast = _fast_path(region)
    if fast is None:
        e164 = pd.Series(pd.NA, index=raw.index, dtype="str")
    else:
        e164 = fast.prefix + cleaned.str.extract(fast.pattern, expand=False)
    reason = pd.Series(pd.NA, index=raw.index, dtype="str")
    rest = e164.isna()
    if rest.any():
        leftover = cleaned[rest]
        missing = leftover == ""
        shaped = leftover.str.fullmatch(_SHAPE) & ~missing
        slow = leftover[shaped].map(lambda value: _parse_with_library(value, region))
        e164[slow.index] = slow
        reason[missing.index[missing]] = PhoneRejection.MISSING.value
        reason[shaped.index[~shaped & ~missing]] = PhoneRejection.NOT_A_PHONE.value
        reason[slow.index[slow.isna()]] = PhoneRejection.INVALID.value
    return pd.DataFrame({"e164": e164, "reason": reason}, index=raw.index)


def _clean(text: pd.Series) -> pd.Series:
    """The column form of normalise_phone's tidying: undo Excel floats, drop separators."""
    dotted = text.str.contains(".", regex=False)
    if dotted.any():
        text = text.copy()
        text[dotted] = text[dotted].str.replace(_EXCEL_FLOAT, r"\1", regex=True)
    return text.str.replace(_SEPARATORS, "", regex=True)


def national_variants(e164: str) -> list[str]:
    """Every way a PBX may present this number: E.164, without +, national, without trunk prefix."""
    number = phonenumbers.parse(e164, None)
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a valid E.164 number: {e164!r}")
    canonical = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    nsn = phonenumbers.national_significant_number(number)
    region = phonenumbers.region_code_for_number(number)
    metadata = PhoneMetadata.metadata_for_region(region, None) if region else None
    trunk = (metadata.national_prefix or "") if metadata else ""
    variants = [canonical, canonical[1:], f"00{canonical[1:]}", f"{trunk}{nsn}", nsn]
    return list(dict.fromkeys(variants))


def _parse_with_library(cleaned: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


@dataclass(frozen=True)
class _FastPath:
    pattern: str
    prefix: str


@lru_cache(maxsize=16)
def _fast_path(region: str) -> _FastPath | None:
    """One regex from the region's metadata whose match is exactly what phonenumbers would say.

    It only ever claims valid numbers; anything it does not match goes to the
    library, so being too strict costs speed, never correctness. Regions whose
    rules it does not model (shared country codes, trunk-prefix rewriting) get
    no fast path.
    """
    metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
    if metadata is None or metadata.general_desc is None:
        return None
    cc = str(metadata.country_code)
    if phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(metadata.country_code) != (region.upper(),):
        return None
    trunk = metadata.national_prefix_for_parsing or ""
    if metadata.national_prefix_transform_rule or not re.fullmatch(r"[0-9]*", trunk):
        return None
    general = metadata.general_desc
    if not general.national_number_pattern or not general.possible_length:
        return None
    valid = _valid_national_number(metadata)
    if valid is None:
        return None
    longest = max(general.possible_length)
    not_trunk = f"(?!{trunk})" if trunk else ""
    too_long_for_national = f"{cc}[0-9]{{{longest - len(cc) + 1},}}\\Z"
    prefixes = [
        # After "+CC" a leading trunk prefix is stripped by phonenumbers: leave that to it.
        rf"\+{cc}{not_trunk}",
        # Only when the whole string is too long to be national is phonenumbers certain
        # to read a leading CC without "+" as the country code.
        rf"(?={too_long_for_national}){cc}{not_trunk}",
        rf"{not_trunk}(?!{too_long_for_national})",
    ]
    if trunk:
        # phonenumbers keeps the trunk prefix when the whole string is itself viable.
        prefixes.append(rf"(?!(?:{general.national_number_pattern})\Z){trunk}")
    pattern = f"^(?:{'|'.join(prefixes)}){valid}"
    if re.compile(pattern).groups != 1:
        return None
    return _FastPath(pattern=pattern, prefix=f"+{cc}")


def _valid_national_number(metadata: PhoneMetadata) -> str | None:
    """A regex matching exactly the national numbers phonenumbers calls valid for this region."""
    general = metadata.general_desc
    local_only = set(general.possible_length_local_only or ())
    general_lengths = [n for n in general.possible_length if n > 0 and n not in local_only]
    alternatives = []
    all_lengths: set[int] = set()
    for name in _NUMBER_TYPES:
        desc = getattr(metadata, name)
        if desc is None or not desc.national_number_pattern:
            continue
        lengths = [n for n in (desc.possible_length or general_lengths) if n > 0]
        if not lengths:
            continue
        all_lengths.update(lengths)
        alternatives.append(rf"(?={_lengths(lengths)}\Z)(?:{desc.national_number_pattern})\Z")
    if not alternatives or not general_lengths:
        return None
    guard = "" if all_lengths <= set(general_lengths) else rf"(?={_lengths(general_lengths)}\Z)"
    return (
        rf"{guard}(?=(?:{general.national_number_pattern})\Z)"
        rf"(?P<nsn>{'|'.join(f'(?:{a})' for a in alternatives)})"
    )


def _lengths(lengths: list[int]) -> str:
    return "(?:" + "|".join(f"[0-9]{{{n}}}" for n in sorted(set(lengths))) + ")"
