"""Length-preserving text normalisation for Chinese user messages.

Users type full-width digits and punctuation (``５０００元``, ``１２期``, ``１８％``), which
NFKC maps to their ASCII forms.  Entity offsets must index the *original* message,
so the normalisation here is applied one character at a time and a character is
only replaced when its NFKC form is exactly one character long.  The result always
has the same length as the input, so every offset in the normalised text is also an
offset in the original text.

Deliberate exceptions to plain NFKC:

* characters whose NFKC form is longer than one character (``½`` -> ``1⁄2``,
  ``㎏`` -> ``kg``, ligatures) are kept unchanged;
* characters of Unicode category ``No`` ("other number": circled ``①``,
  superscript ``²``, ...) are kept unchanged: people use them as list markers
  (``①借了5000``) and turning them into digits would invent amounts.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["normalize_text", "normalize_char", "is_ascii_letter"]


@lru_cache(maxsize=4096)
def normalize_char(ch: str) -> str:
    """Return the one-character NFKC form of ``ch``, or ``ch`` itself.

    ``ch`` must be a single character; the result is always a single character.
    """
    if ch.isascii():
        return ch
    if unicodedata.category(ch) == "No":
        return ch
    normalised = unicodedata.normalize("NFKC", ch)
    if len(normalised) != 1:
        return ch
    return normalised


def normalize_text(text: str) -> str:
    """NFKC-normalise ``text`` character by character, keeping its length.

    ``len(normalize_text(t)) == len(t)`` for every string, so offsets found in the
    result index the original text.  Non-string input (``None``) gives ``""``.
    """
    if not isinstance(text, str) or not text:
        return ""
    if text.isascii():
        return text
    return "".join(normalize_char(ch) for ch in text)


def is_ascii_letter(ch: str) -> bool:
    """``ch`` is a Latin letter a–z / A–Z (an empty string is not)."""
    return ch.isascii() and ch.isalpha()
