"""Check characters of the codes the generator writes, kept private to this package.

``sscard.kernel`` owns the parsing and validation of these codes; the generator only needs to
*compute* check characters, so it carries its own copies and its tests compare them with
python-stdnum.
"""

from __future__ import annotations

#: GB 11643 (citizen identity number) weights of the first 17 digits, MOD 11-2.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
#: Check character indexed by (weighted sum mod 11).
ID_CHECK = "10X98765432"

#: GB 32100 (unified social credit code) alphabet and weights of the first 17 characters.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

#: GB 11714 (organisation code) weights of the 8-character body.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def id_weighted_sum(digits: str, start: int) -> int:
    """The GB 11643 weighted sum of ``digits`` placed at position ``start`` of the number."""
    return sum(int(d) * ID_WEIGHTS[start + i] for i, d in enumerate(digits))


def id_check_char(first17: str) -> str:
    """The 18th character of a GB 11643 identity number (also used by the permit formats)."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError(f"need 17 digits, got {first17!r}")
    return ID_CHECK[id_weighted_sum(first17, 0) % 11]


def org_code_check_char(body: str) -> str:
    """The 9th character of a GB 11714 organisation code for its 8-character body."""
    if len(body) != 8:
        raise ValueError(f"need 8 characters, got {body!r}")
    total = sum(int(c, 36) * w for c, w in zip(body, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def uscc_check_char(first17: str) -> str:
    """The 18th character of a GB 32100 unified social credit code."""
    if len(first17) != 17 or any(c not in USCC_ALPHABET for c in first17):
        raise ValueError(f"need 17 characters of the USCC alphabet, got {first17!r}")
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]
