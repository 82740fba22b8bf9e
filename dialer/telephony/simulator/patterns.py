"""What the dialplan reads off an extension and a caller: Asterisk's extension patterns
(``_X.``, ``_[a-z].``, ``_NXX``) and the ``CALLERID()`` function."""

from __future__ import annotations

from dialer.telephony.simulator.channels import UNKNOWN, Channel


def pattern_matches(pattern: str, exten: str) -> bool:
    """Asterisk extension matching: literal, or `_` pattern with X Z N [..] . !"""
    if not pattern.startswith("_"):
        return pattern == exten
    pat, i = pattern[1:], 0
    pos = 0
    while pos < len(pat):
        symbol = pat[pos]
        if symbol == ".":
            return i < len(exten)
        if symbol == "!":
            return True
        if i >= len(exten):
            return False
        char = exten[i]
        if symbol == "[":
            close = pat.index("]", pos)
            if not _in_class(pat[pos + 1 : close], char):
                return False
            pos = close
        elif symbol == "X":
            if not char.isdigit():
                return False
        elif symbol == "Z":
            if char not in "123456789":
                return False
        elif symbol == "N":
            if char not in "23456789":
                return False
        elif symbol != char:
            return False
        pos += 1
        i += 1
    return i == len(exten)


def _in_class(spec: str, char: str) -> bool:
    k = 0
    while k < len(spec):
        if k + 2 < len(spec) and spec[k + 1] == "-":
            if spec[k] <= char <= spec[k + 2]:
                return True
            k += 3
        else:
            if spec[k] == char:
                return True
            k += 1
    return False


def callerid_num(chan: Channel) -> str:
    """${CALLERID(num)}: empty when unknown."""
    return "" if chan.cid_num == UNKNOWN else chan.cid_num


def callerid_all(chan: Channel) -> str:
    """${CALLERID(all)}: "name" <num>."""
    name = "" if chan.cid_name == UNKNOWN else chan.cid_name
    num = callerid_num(chan)
    return f'"{name}" <{num}>' if name else f"<{num}>"
