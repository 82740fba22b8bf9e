"""Which column of a lead file holds what: guessed from its header, confirmed by the manager."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from dialer.domain.errors import DomainError

PHONE = "phone"
FIRST_NAME = "first_name"
LAST_NAME = "last_name"
FULL_NAME = "full_name"
EMAIL = "email"
TIMEZONE = "timezone"
CUSTOM = "custom"  # kept as a custom field shown to the agent
IGNORE = "ignore"  # not imported at all

FIELDS = (PHONE, FIRST_NAME, LAST_NAME, FULL_NAME, EMAIL, TIMEZONE)
CHOICES = (*FIELDS, CUSTOM, IGNORE)

# Header words, accent- and case-folded with everything but letters and digits removed.
_SYNONYMS = {
    PHONE: {
        "phone", "phonenumber", "phoneno", "telephone", "tel", "telno", "mobile", "mobilephone",
        "mobileno", "mobilenumber", "cell", "cellphone", "msisdn", "contactnumber", "number",
        "sodienthoai", "sdt", "dienthoai", "didong", "sodidong", "dtdd", "sdtdd", "dt", "sodt",
        "dienthoaididong", "sodienthoaididong",
    },
    FIRST_NAME: {"firstname", "first", "givenname", "forename", "ten", "tenrieng"},
    LAST_NAME: {"lastname", "last", "surname", "familyname", "ho", "holot", "hodem", "hovatendem"},
    FULL_NAME: {
        "name", "fullname", "hoten", "hovaten", "tenkhachhang", "khachhang", "customername",
        "customer", "contactname", "hotenkhachhang",
    },
    EMAIL: {"email", "emailaddress", "mail", "thudientu", "diachiemail", "diachithudientu"},
    TIMEZONE: {"timezone", "tz", "muigio", "zone"},
}  # fmt: skip
# A header that starts with one of these is a phone column ("Số điện thoại (di động)").
_PHONE_PREFIXES = ("sodienthoai", "dienthoai", "phone", "mobile", "telephone")


def header_key(header: str) -> str:
    """The header folded for matching: no accents, no case, letters and digits only."""
    decomposed = unicodedata.normalize("NFD", header.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return re.sub(r"[^0-9a-z]", "", plain.casefold())


def guess_mapping(headers: Sequence[str]) -> dict[str, str]:
    """Each header's field by its name; each field goes to its first header, the rest are custom."""
    mapping = {header: CUSTOM for header in headers}
    taken: set[str] = set()
    for header in headers:
        field = _field_for(header_key(header))
        if field and field not in taken:
            mapping[header] = field
            taken.add(field)
    if PHONE not in taken:
        for header in headers:
            if mapping[header] == CUSTOM and header_key(header).startswith(_PHONE_PREFIXES):
                mapping[header] = PHONE
                break
    return mapping


def _field_for(key: str) -> str | None:
    for field, words in _SYNONYMS.items():
        if key in words:
            return field
    return None


class MappingError(DomainError):
    """The mapping cannot be used; ``code`` names the problem and ``field`` the field."""

    def __init__(self, code: str, field: str = "") -> None:
        super().__init__(code, f"{code}: {field}" if field else code)
        self.field = field


def check_mapping(headers: Sequence[str], mapping: Mapping[str, str]) -> dict[str, str]:
    """The mapping for exactly these headers, one phone column, each field at most once."""
    unknown = set(mapping) - set(headers)
    if unknown:
        raise MappingError("unknown_column", sorted(unknown)[0])
    result = {header: mapping.get(header, CUSTOM) for header in headers}
    seen: set[str] = set()
    for field in result.values():
        if field not in CHOICES:
            raise MappingError("unknown_field", field)
        if field in FIELDS:
            if field in seen:
                raise MappingError("field_twice", field)
            seen.add(field)
    if PHONE not in seen:
        raise MappingError("no_phone")
    return result


def custom_headers(mapping: Mapping[str, str]) -> list[str]:
    """The headers kept as custom fields, in the mapping's (the file's) order."""
    return [header for header, field in mapping.items() if field == CUSTOM]


def in_column_order(custom: Mapping[str, Any], order: Sequence[str]) -> list[tuple[str, Any]]:
    """A lead's custom fields in the file's column order; any other key after, as stored."""
    first = [(name, custom[name]) for name in order if name in custom]
    placed = set(order)
    return first + [(name, value) for name, value in custom.items() if name not in placed]


def parse_map_options(options: Sequence[str]) -> dict[str, str]:
    """``column=field`` pairs from the command line, as a mapping."""
    mapping = {}
    for option in options:
        column, sep, field = option.partition("=")
        if not sep or not column.strip():
            raise MappingError("bad_option", option)
        mapping[column.strip()] = field.strip()
    return mapping
