"""Which text encoding a lead file is in: BOM, UTF-16 shape, UTF-8, then Vietnamese evidence."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from dialer.domain.leads.leadfile import UnreadableFile, nfc

SAMPLE_BYTES = 64 * 1024
BLOCK_BYTES = 1 << 20


_VIETNAMESE_TONE_BYTES = rb"[\xcc\xd2\xde\xec\xf2]"
# In Windows-1258 a tone mark follows its vowel (plain or with hat, breve or horn).
_VOWEL_THEN_TONE = re.compile(
    rb"[aeiouyAEIOUY\xe2\xea\xf4\xe3\xf5\xfd\xc2\xca\xd4\xc3\xd5\xdd]" + _VIETNAMESE_TONE_BYTES
)
_TONE = re.compile(_VIETNAMESE_TONE_BYTES)
_VIETNAMESE_LETTERS = re.compile(rb"[\xd0\xf0]")  # Đ đ
_CP1252_ONLY = re.compile(rb"[\x8a\x8e\x9a\x9e]")  # Š Ž š ž: holes in Windows-1258
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f]")


def detect_encoding(path: Path) -> str:
    """The codec that reads the whole file, by BOM, UTF-16 shape, UTF-8 validity, then evidence."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        if _decodes(path, "utf-8-sig"):
            return "utf-8-sig"
        raise UnreadableFile("unknown_encoding", "The file starts as UTF-8 but is not valid UTF-8.")
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _checked(path, "utf-16")
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return _checked(path, utf16)
    if len(_CONTROL.findall(sample)) > max(2, len(sample) // 200):
        raise UnreadableFile("binary", "This is not a text or spreadsheet file.")
    if _decodes(path, "utf-8"):
        return "utf-8"
    return _checked(path, _legacy_codepage(path))


def _utf16_without_bom(sample: bytes) -> str | None:
    even, odd = sample[0::2], sample[1::2]
    if len(sample) < 4:
        return None
    if odd.count(0) > len(odd) * 0.4 and even.count(0) < len(even) * 0.1:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.4 and odd.count(0) < len(odd) * 0.1:
        return "utf-16-be"
    return None


def _legacy_codepage(path: Path) -> str:
    """Windows-1258 when the bytes read as Vietnamese tone marks after vowels, else 1252."""
    vowel_tones = tones = letters = 0
    with path.open("rb") as handle:
        while block := handle.read(BLOCK_BYTES):
            if _CP1252_ONLY.search(block):
                return "cp1252"
            vowel_tones += len(_VOWEL_THEN_TONE.findall(block))
            tones += len(_TONE.findall(block))
            letters += len(_VIETNAMESE_LETTERS.findall(block))
    # Italian "però" puts the same bytes after consonants; Vietnamese puts them after vowels.
    if vowel_tones and vowel_tones >= 0.8 * tones:
        return "cp1258"
    if letters and not tones:
        return "cp1258"
    return "cp1252"


def _checked(path: Path, encoding: str) -> str:
    if _decodes(path, encoding):
        return encoding
    raise UnreadableFile(
        "unknown_encoding",
        "The file's text encoding is not recognised: save it as CSV UTF-8 and upload it again.",
    )


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as handle:
            while block := handle.read(BLOCK_BYTES):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def decoded_sample(path: Path, encoding: str) -> str:
    with path.open("rb") as handle:
        raw = handle.read(SAMPLE_BYTES)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(raw)
    return nfc(text.lstrip("\ufeff"))
