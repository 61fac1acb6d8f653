"""Text normalization for Vietnamese names: NFC, one tone-mark placement, diacritic-free folding.

Convention: the "new" placement, tone on the first vowel of an open oa/oe/uy syllable
("Hoà" -> "Hòa", "Thuỷ" -> "Thủy"); "qu" + y keeps it on y in both conventions ("quý").
"""

from __future__ import annotations

import re
import unicodedata

_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng (NFD)
_OLD_STYLE_TONE = re.compile(rf"(?<![qQ])([oO][aAeE]|[uU][yY])([{_TONE_MARKS}])(?![^\W\d_])", re.UNICODE)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFC with the tone mark placed by one convention and whitespace collapsed."""
    decomposed = unicodedata.normalize("NFD", text)
    moved = _OLD_STYLE_TONE.sub(lambda m: m[1][0] + m[2] + m[1][1], decomposed)
    return _SPACES.sub(" ", unicodedata.normalize("NFC", moved)).strip()


def fold(text: str) -> str:
    """Lower-case, diacritic-free form (đ -> d) for matching; spaces and punctuation kept."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare.casefold()).strip()


def compact(text: str) -> str:
    """Fold, then drop everything but letters and digits: "Bà Rịa – Vũng Tàu" -> "bariavungtau"."""
    return _NON_ALNUM.sub("", fold(text))
