"""Phone normalisation: the shapes Vietnamese lists really contain, and one answer at two speeds."""

import re

import pandas as pd
import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.domain.phones import (
    NormalisedPhone,
    PhoneRejection,
    _fast_path,
    national_variants,
    normalise_phone,
    normalise_phones,
)

SAME_MOBILE = [
    "0912345678",
    "0912 345 678",
    "0912.345.678",
    "0912-345-678",
    "+84 91 234 5678",
    "84912345678",
    "(+84) 912345678",
    "912345678",
    "912345678.0",
    " 0912345678 ",
    "0912\u00a0345\u00a0678",
    "+84912345678",
    "0084912345678",
    "\ufeff0912345678",
    "0912\u200b345\u200b678",
    "\u200e+84\u2060912\u200c345\u200d678\u00ad",
]


@pytest.mark.parametrize("raw", SAME_MOBILE)
def test_every_vietnamese_shape_is_the_same_mobile(raw):
    assert normalise_phone(raw) == NormalisedPhone("+84912345678", raw)


def test_column_path_reads_every_shape_the_same_way():
    frame = normalise_phones(pd.Series(SAME_MOBILE))
    assert frame["e164"].tolist() == ["+84912345678"] * len(SAME_MOBILE)
    assert frame["reason"].isna().all()


def test_common_shapes_take_the_fast_path_not_the_library():
    fast = re.compile(_fast_path("VN").pattern)
    for cleaned in ["0912345678", "+84912345678", "84912345678", "912345678", "02438123456"]:
        assert fast.match(cleaned), cleaned


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("02438123456", "+842438123456"),  # Hanoi landline
        ("0283 812 3456", "+842838123456"),  # Ho Chi Minh City landline
        ("841234567", "+84841234567"),  # a mobile starting 84 with its zero eaten
        ("0841234567", "+84841234567"),
        ("+840912345678", "+84912345678"),  # trunk zero kept after the country code
        ("1900123456", "+841900123456"),
        ("+1 650 253 0000", "+16502530000"),  # another country, written in full
        ("+44 20 7946 0018", "+442079460018"),
    ],
)
def test_other_valid_numbers(raw, e164):
    assert normalise_phone(raw) == NormalisedPhone(e164, raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", PhoneRejection.MISSING),
        ("   ", PhoneRejection.MISSING),
        (None, PhoneRejection.MISSING),
        ("-", PhoneRejection.MISSING),
        ("N/A", PhoneRejection.NOT_A_PHONE),
        ("không có", PhoneRejection.NOT_A_PHONE),
        ("an@example.vn", PhoneRejection.NOT_A_PHONE),
        ("0912345678/0987654321", PhoneRejection.NOT_A_PHONE),
        ("=HYPERLINK(1)", PhoneRejection.NOT_A_PHONE),
        ("9.12345678E+08", PhoneRejection.NOT_A_PHONE),
        ("091234567", PhoneRejection.INVALID),  # one digit short
        ("09123456789", PhoneRejection.INVALID),  # one digit long
        ("0112345678", PhoneRejection.INVALID),  # no such prefix
        ("+84", PhoneRejection.INVALID),
        ("123", PhoneRejection.INVALID),
    ],
)
def test_rejections_say_why(raw, reason):
    assert normalise_phone(raw) == reason
    assert normalise_phones(pd.Series([raw], dtype=object))["reason"].tolist() == [reason.value]


def test_column_keeps_the_index_of_the_lead_rows():
    column = pd.Series(["0912345678", "abc", ""], index=[7, 3, 11])
    frame = normalise_phones(column)
    assert frame.index.tolist() == [7, 3, 11]
    assert frame.loc[7, "e164"] == "+84912345678"
    assert frame.loc[3, "reason"] == "not_a_phone"
    assert frame.loc[11, "reason"] == "missing_phone"


def test_default_region_can_be_another_country():
    assert normalise_phone("020 7946 0018", "GB") == NormalisedPhone(
        "+442079460018", "020 7946 0018"
    )
    assert normalise_phones(pd.Series(["020 7946 0018"]), "GB")["e164"].tolist() == [
        "+442079460018"
    ]


def test_national_variants_cover_what_a_pbx_presents():
    assert national_variants("+84912345678") == [
        "+84912345678",
        "84912345678",
        "0084912345678",
        "0912345678",
        "912345678",
    ]


def test_national_variants_refuses_an_invalid_number():
    with pytest.raises(ValueError):
        national_variants("+8412")


# Pieces people glue numbers from; hypothesis mixes them with random digits and text.
_PREFIXES = ["", "0", "00", "+", "+84", "84", "(+84) ", "+840", "840", "0084", "+1 ", "+44", "8"]
_SEPARATORS = ["", " ", ".", "-", "\u00a0", "(", ")", "/", "'", "\t"]


@st.composite
def phone_like(draw):
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=16))
    prefix = draw(st.sampled_from(_PREFIXES))
    first = draw(st.sampled_from("0123456789"))
    digits = first + draw(st.text(alphabet="0123456789", max_size=12))
    pieces = [prefix]
    for digit in digits:
        pieces.append(digit)
        if draw(st.integers(0, 5)) == 0:
            pieces.append(draw(st.sampled_from(_SEPARATORS)))
    text = "".join(pieces)
    if draw(st.booleans()) and draw(st.booleans()):
        text += draw(st.sampled_from([".0", ".00", ".5"]))
    return draw(st.sampled_from(["", " "])) + text


def _as_column_answer(answer):
    if isinstance(answer, NormalisedPhone):
        return (answer.e164, None)
    return (None, answer.value)


@settings(max_examples=400, deadline=None)
@given(st.lists(phone_like(), min_size=1, max_size=40))
def test_column_path_agrees_with_the_scalar_rule(values):
    frame = normalise_phones(pd.Series(values, dtype=object))
    column = [
        (None if pd.isna(e) else e, None if pd.isna(r) else r)
        for e, r in zip(frame["e164"], frame["reason"], strict=True)
    ]
    assert column == [_as_column_answer(normalise_phone(v)) for v in values]


@pytest.mark.parametrize(
    "kind", ["MOBILE", "FIXED_LINE", "TOLL_FREE", "PREMIUM_RATE", "VOIP", "UAN"]
)
def test_every_kind_of_vietnamese_number_is_read(kind):
    example = phonenumbers.example_number_for_type(
        "VN", getattr(phonenumbers.PhoneNumberType, kind)
    )
    nsn = phonenumbers.national_significant_number(example)
    for text in (f"0{nsn}", f"+84{nsn}", nsn):
        assert normalise_phones(pd.Series([text]))["e164"].tolist() == [f"+84{nsn}"]
