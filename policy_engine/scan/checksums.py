"""Check-digit validators for identifiers whose format alone is too weak to trust.

Pure functions over the digits/characters of a candidate; separators (spaces, dashes, dots) are ignored.
Presidio already validates cards (Luhn), IBANs (mod 97), NHS numbers (mod 11) and Aadhaar (Verhoeff) in its
own recognizers; these are used by our recognizers and by the benchmark's corpus generator, and are
tested against the same tables.
"""

from __future__ import annotations

_SEPARATORS = str.maketrans("", "", " -.\u00a0")

# Verhoeff dihedral-group tables (Verhoeff 1969).
_VD = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5), (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7), (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3), (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VP = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 5, 7, 6, 2, 8, 3, 0, 9, 4), (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7), (9, 4, 5, 3, 1, 2, 6, 8, 7, 0), (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5), (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_VINV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)


def compact(text: str) -> str:
    """The candidate without separators."""
    return text.translate(_SEPARATORS)


def luhn_ok(text: str) -> bool:
    """Luhn (mod 10) check used by payment cards; 12-19 digits."""
    digits = compact(text)
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def verhoeff_ok(text: str) -> bool:
    """Verhoeff check used by Aadhaar (12 digits, first digit 2-9)."""
    digits = compact(text)
    if not digits.isdigit() or not digits:
        return False
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _VD[c][_VP[i % 8][int(ch)]]
    return c == 0


def verhoeff_digit(digits: str) -> str:
    """The Verhoeff check digit to append to ``digits``."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _VD[c][_VP[(i + 1) % 8][int(ch)]]
    return str(_VINV[c])


def aadhaar_ok(text: str) -> bool:
    digits = compact(text)
    return len(digits) == 12 and digits.isdigit() and digits[0] not in "01" and verhoeff_ok(digits)


def iban_ok(text: str) -> bool:
    """ISO 13616 mod-97 check: move the first four characters to the end, letters to numbers, mod 97 == 1."""
    iban = compact(text).upper()
    if not 15 <= len(iban) <= 34 or not iban[:2].isalpha() or not iban[2:4].isdigit() or not iban.isalnum():
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def nhs_ok(text: str) -> bool:
    """NHS number mod-11 check: 10 digits, weights 10..2, check digit 11 - (sum mod 11), 10 is invalid."""
    digits = compact(text)
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=False))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def nhs_digit(nine: str) -> str | None:
    """The NHS check digit for nine digits, or None where none exists (remainder gives 10)."""
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=False))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return None if check == 10 else str(check)


def luhn_digit(body: str) -> str:
    """The Luhn check digit to append to ``body``."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)
