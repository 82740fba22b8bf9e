"""Generate a lead CSV the way real Vietnamese lists look: mixed phone shapes, duplicates, junk.

``python -m bench.gen_leads 1000000 out.csv`` writes a UTF-8 CSV with phone,
first name, last name, email, time zone and three custom fields; 3% of rows
repeat an earlier number (often written another way) and 1% hold something
that is not a valid number.
"""

from __future__ import annotations

import argparse
import csv
import unicodedata
from pathlib import Path

import numpy as np

HEADERS = {
    "vi": ["Số điện thoại", "Tên", "Họ", "Email", "Múi giờ", "Tỉnh/Thành", "Gói cước", "Ghi chú"],
    "en": ["phone", "first name", "last name", "email", "time zone", "city", "plan", "note"],
}
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]  # fmt: skip
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Thu", "Kim"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Hương", "Khánh",
         "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Ngân", "Nhung", "Phong", "Phúc", "Quân",
         "Quang", "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Trung", "Tuấn", "Uyên", "Việt",
         "Yến"]  # fmt: skip
CITIES = ["Hà Nội", "TP Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Huế", "Nha Trang"]
PLANS = ["Cơ bản", "Tiêu chuẩn", "Cao cấp"]
NOTES = ["", "", "Gọi sau 17h, trước 20h", "Khách quen", "Đã hỏi giá; chờ báo giá",
         'Nói "không" lần trước', "-", "=khách VIP"]  # fmt: skip
ZONES = ["Asia/Ho_Chi_Minh"] * 8 + ["Asia/Bangkok", ""]
# Mobile prefixes of the Vietnamese numbering plan (after the trunk 0).
MOBILE_PREFIXES = ["32", "33", "34", "35", "36", "37", "38", "39", "56", "58", "70", "76", "77",
                   "78", "79", "81", "82", "83", "84", "85", "86", "88", "90", "91", "92", "93",
                   "94", "96", "97", "98"]  # fmt: skip
INVALID = ["", "N/A", "không có", "0912 345 67", "0112345678", "12345", "091234567890", "abc"]


def shape(national: str, style: int) -> str:
    """One Vietnamese mobile (9 digits after the trunk 0) written in one of seven shapes."""
    a, b, c = national[:3], national[3:6], national[6:]
    return (
        f"0{national}",
        f"0{a} {b} {c}",
        f"0{a}.{b}.{c}",
        f"+84 {national[:2]} {national[2:5]} {national[5:]}",
        f"84{national}",
        f"(+84) {national}",
        national,  # the leading zero eaten by a spreadsheet
    )[style]


def generate(rows: int, path: Path, *, seed: int = 7, language: str = "vi") -> dict[str, int]:
    """Write ``rows`` lead rows to ``path``; return how many are duplicates and invalid."""
    rng = np.random.default_rng(seed)
    nationals = _unique_mobiles(rng, rows)
    duplicate = rng.random(rows) < 0.03
    duplicate[0] = False
    invalid = (rng.random(rows) < 0.01) & ~duplicate
    earlier = (rng.random(rows) * np.arange(rows)).astype(np.int64)
    styles = rng.integers(0, 7, rows)
    picks = {name: rng.integers(0, len(pool), rows) for name, pool in _POOLS.items()}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS[language])
        for i in range(rows):
            if invalid[i]:
                phone = INVALID[i % len(INVALID)]
            else:
                phone = shape(nationals[earlier[i] if duplicate[i] else i], int(styles[i]))
            family, middle, given = (
                FAMILY[picks["family"][i]],
                MIDDLE[picks["middle"][i]],
                GIVEN[picks["given"][i]],
            )
            writer.writerow(
                [
                    phone,
                    given,
                    f"{family} {middle}",
                    f"{_ascii(given)}.{_ascii(family)}{i}@example.vn",
                    ZONES[picks["zone"][i]],
                    CITIES[picks["city"][i]],
                    PLANS[picks["plan"][i]],
                    NOTES[picks["note"][i]],
                ]
            )
    return {"rows": rows, "duplicates": int(duplicate.sum()), "invalid": int(invalid.sum())}


_POOLS = {
    "family": FAMILY,
    "middle": MIDDLE,
    "given": GIVEN,
    "zone": ZONES,
    "city": CITIES,
    "plan": PLANS,
    "note": NOTES,
}


def _unique_mobiles(rng: np.random.Generator, count: int) -> list[str]:
    found: set[int] = set()
    space = len(MOBILE_PREFIXES) * 10_000_000
    while len(found) < count:
        found.update(rng.integers(0, space, count - len(found) + 1000).tolist())
    numbers = rng.permutation(np.fromiter(found, dtype=np.int64))[:count]
    return [f"{MOBILE_PREFIXES[n // 10_000_000]}{n % 10_000_000:07d}" for n in numbers.tolist()]


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in plain if unicodedata.category(ch) != "Mn").lower()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("path", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--language", choices=sorted(HEADERS), default="vi")
    args = parser.parse_args()
    counts = generate(args.rows, args.path, seed=args.seed, language=args.language)
    print(f"wrote {args.path}: {counts}")


if __name__ == "__main__":
    main()
