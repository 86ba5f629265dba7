"""Finding and masking identity and phone numbers: one value (for lists and logs) and every number inside
free text (docs/security.md §5). The never-failing wrappers callers use are
:mod:`workflow_app.platform.identifiers.masking`; validation is
:mod:`workflow_app.platform.identifiers.validation`.

How much is kept: an ID number keeps its first 4 and last 4 characters (``4101**********1234``): enough
to tell records apart in a list and to match a card held at the window, while the county code and the
birth date (the parts most useful for impersonation) are hidden. It does still show the prefecture and,
through the 17th digit, the holder's sex. A mobile number keeps 3 + 4 (``138****5678``), a landline keeps
its area code and the first and last two digits of the local number. Masking never raises: text that is
not a valid identifier is masked more aggressively rather than logged in clear.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from typing import Final

from workflow_app.platform.identifiers.validation import IdentifierError, normalise, split_landline, validate_phone

__all__ = ["find_personal_numbers", "mask_id_number", "mask_numbers_in_text", "mask_phone"]

_MIN_HIDDEN: Final = 3  # below this many hidden characters, hide everything


def _mask_middle(text: str, head: int, tail: int) -> str:
    hidden = len(text) - head - tail
    if hidden < _MIN_HIDDEN:
        return "*" * len(text)
    return text[:head] + "*" * hidden + text[len(text) - tail :]


def mask_id_number(text: str) -> str:
    """``410105199001011234`` -> ``4101**********1234``; anything shorter than 11 is fully hidden.

    A number written in groups (``4101 0519 9001 0112 34``, ``410105-19900101-1234``) is masked in its
    compact form, so the separators do not let more digits through.
    """
    normal = normalise(text)
    compact = re.sub(r"[\s\-.·]", "", normal)
    if re.fullmatch(r"[0-9]{17}[0-9X]|[0-9]{15}", compact):
        return _mask_middle(compact, 4, 4)
    return _mask_middle(normal, 4, 4)


def mask_phone(text: str) -> str:
    """``13812345678`` -> ``138****5678``; ``0371-67890123`` -> ``0371-67****23``.

    Text that is not a valid phone number keeps at most its last two characters.
    """
    try:
        phone = validate_phone(text)
    except IdentifierError:
        return _mask_middle(unicodedata.normalize("NFKC", text).strip(), 0, 2)
    if "-" not in phone:
        return _mask_middle(phone, 3, 4)
    area, local, *extension = phone.split("-")
    return "-".join([area, _mask_middle(local, 2, 2), *extension])


# --------------------------------------------------------------------------------------------
# Finding identity and phone numbers in free text (for masking)
# --------------------------------------------------------------------------------------------
#
# People write numbers in comments, summaries, opinions and log lines in many shapes: ``4101 0519 9001
# 0112 34``, ``410105-19900101-1234``, ``ID410105199001011234``, ``身份证号：…``, ``1390 371 0000``,
# ``(139)0371-0000``, ``+86 138 1234 5678``, ``0371 67881234``, ``(0371)6788-1234``, full-width digits.
# The detector looks at a searchable copy of the text (NFKC per character, every Unicode decimal digit
# as its ASCII digit, invisible format characters such as U+200B dropped) and maps what it finds back to
# the original characters, so the rest of the text — full-width Chinese punctuation included — is left
# exactly as it was. Each number found is replaced by its masked canonical form: an ID number keeps
# 4 + 4 characters, a mobile 3 + 4 digits, a landline its area code and 2 + 2 digits of the local number.
#
# Between two digits at most three separator characters (space, tab, hyphens and dashes, dot, middle
# dot, brackets) are allowed — never a line break. A number written with separators must also look like
# the thing it is taken for, so that lists of amounts or dates are left alone: an ID number needs a
# province code and a possible birth date (or a word such as 身份证 / ID just before it); a mobile starts
# 13–19; a landline has a valid area code and a 7–8 digit local number not starting with 0 or 1. Runs of
# exactly 18 (or 15) characters without separators are masked as ID numbers whatever they contain, as
# before: when in doubt, hide. Landlines written without an area code are not recognised (too close to
# ordinary numbers).

_SEPARATOR_CLASS: Final = "[ \\t\\-.\u00b7()\u2010\u2011\u2012\u2013\u2014\u2015\u2212]"
_G: Final = _SEPARATOR_CLASS + "{0,3}"  # the gap allowed between two digits
_COUNTRY: Final = r"(?:(?:\+|00)[ \t]*86|\([ \t]*(?:\+|00)?[ \t]*86[ \t]*\))[ \t\-.]{0,3}"


def _digits(count: int) -> str:
    """``count`` more digits, each after a gap."""
    return f"(?:{_G}[0-9]){{{count}}}"


# Parts of a plausible ID number, written with gaps: province code, 4 digits, birth date, sequence.
_PROVINCE: Final = (f"(?:1{_G}[1-5]|2{_G}[1-3]|3{_G}[1-7]|4{_G}[1-6]|5{_G}[0-4]|6{_G}[1-5]|7{_G}1|8{_G}[1-3])")
_MONTH_DAY: Final = f"{_G}(?:0{_G}[1-9]|1{_G}[0-2]){_G}(?:0{_G}[1-9]|[12]{_G}[0-9]|3{_G}[01])"
_ID18_PLAUSIBLE: Final = (f"{_PROVINCE}{_digits(4)}{_G}(?:1{_G}[89]|2{_G}0){_digits(2)}{_MONTH_DAY}"
                          f"{_digits(2)}{_G}[0-9]{_G}[0-9Xx]")
_ID15_PLAUSIBLE: Final = f"{_PROVINCE}{_digits(4)}{_digits(2)}{_MONTH_DAY}{_digits(3)}"
_ID_END: Final = "(?![0-9Xx])"
#: ID numbers in the detector's reading of the text, most certain first.
_ID_PATTERNS: Final = tuple(re.compile(f"(?<![0-9])(?P<n>{body}){_ID_END}") for body in (
    "[0-9]{17}[0-9Xx]",   # 18 characters in a row: masked whatever they are
    _ID18_PLAUSIBLE,      # with separators: only if it looks like an ID number
    "[0-9]{15}",
    _ID15_PLAUSIBLE,
))
#: Any 18- or 15-digit number, for one announced by a word such as 身份证 just before it.
_ID_ANNOUNCED: Final = re.compile(f"(?P<n>[0-9]{_digits(16)}{_G}[0-9Xx]|[0-9]{_digits(14)}){_ID_END}")
_MOBILE_IN_TEXT: Final = re.compile(
    rf"(?<![0-9+])(?P<cc>{_COUNTRY}|86[ \t\-]?)?(?P<n>(?:\([ \t]*)?1{_G}[3-9]{_digits(9)})(?![0-9])")
_LOCAL8: Final = f"[2-9]{_digits(7)}"
_LOCAL78: Final = f"[2-9](?:{_G}[0-9]){{6,7}}"
_LANDLINE_IN_TEXT: Final = re.compile(
    rf"(?<![0-9+])(?:(?P<cc>{_COUNTRY})(?P<a>(?:\([ \t]*)?(?:(?:10|2[0-9]){_G}{_LOCAL8}|[3-9][0-9]{{2}}{_G}{_LOCAL78}))"
    rf"|(?P<b>(?:\([ \t]*)?(?:0(?:10|2[0-9]){_G}{_LOCAL8}|0[3-9][0-9]{{2}}{_G}{_LOCAL78})))(?![0-9])")
#: Words that announce an ID number (then masked even if it looks odd), at the end of the text before it.
_ID_CONTEXT: Final = re.compile(r"(?:身份证|身份證|证件|證件|公民身份|身份号|I\.?D)[^0-9]{0,8}$", re.IGNORECASE)
_UUID: Final = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

# Stretches of the original text that can hold a number: digits of any script (also circled, super- and
# subscript ones, which NFKC turns into digits), the separators in any width, invisible format characters,
# "+" and X. Only those with at least ten digits (the shortest landline) are read closely.
_NUMBER_CHARS: Final = ("\\d\u00b2\u00b3\u00b9\u2070-\u2079\u2080-\u2089\u2460-\u249b\u24ea-\u24ff\u2776-\u2793"
                        "\u3251-\u325f\u32b1-\u32bf")
_STRETCH: Final = re.compile(
    f"[{_NUMBER_CHARS}\\-.()+Xx\u00b7\u2010-\u2015\u2212\u30fb\uff08\uff09\uff0b\uff0d\uff0e\uff38\uff58"
    "\u00ad\u200b-\u200f\u2060-\u2064\ufeff\\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_STRETCH_DIGIT: Final = re.compile(f"[{_NUMBER_CHARS}]")
_MIN_DIGITS: Final = 10
_CONTEXT_CHARS: Final = 16


def _searchable(text: str) -> tuple[str, list[int]]:
    """How the detector reads ``text`` — NFKC per character, any decimal digit as ASCII, format characters
    dropped — and for each character read, its index in ``text``."""
    if text.isascii():
        return text, list(range(len(text)))
    chars: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        if char < "\x80":
            chars.append(char)
            where.append(index)
            continue
        if unicodedata.category(char) == "Cf":  # zero-width space, joiners, direction marks, soft hyphen
            continue
        value = unicodedata.decimal(char, None)
        normal = str(value) if value is not None else unicodedata.normalize("NFKC", char)
        chars.extend(normal)
        where.extend([index] * len(normal))
    return "".join(chars), where


def _balanced(matched: str, masked: str) -> str:
    """Keep an opening bracket the match swallowed without its closing one (``电话(13812345678)``)."""
    opened = matched.count("(") - matched.count(")")
    return "(" * max(opened, 0) + masked + ")" * max(-opened, 0)


def _only_digits(text: str) -> str:
    return re.sub(r"[^0-9X]", "", text.upper())


def _mask_id_match(match: re.Match) -> str | None:
    return mask_id_number(_only_digits(match.group("n")))


def _mask_mobile_match(match: re.Match) -> str | None:
    digits = _only_digits(match.group("n"))
    return _balanced(match.group(0), f"{digits[:3]}****{digits[7:]}")


def _mask_landline_match(match: re.Match) -> str | None:
    digits = "0" + _only_digits(match.group("a")) if match.group("cc") is not None else _only_digits(match.group("b"))
    landline = split_landline(digits)
    if landline is None:
        return None
    area, local = landline
    return _balanced(match.group(0), f"{area}-{_mask_middle(local, 2, 2)}")


_DETECTORS: Final = tuple((pattern, _mask_id_match) for pattern in _ID_PATTERNS) + (
    (_MOBILE_IN_TEXT, _mask_mobile_match), (_LANDLINE_IN_TEXT, _mask_landline_match))


def _find_in_stretch(chunk: str, before: str) -> list[tuple[int, int, str]]:
    """Numbers in one stretch (read by :func:`_searchable`); ``before`` is the text just before it."""
    found: list[tuple[int, int, str]] = []  # sorted, non-overlapping
    if _ID_CONTEXT.search(before):
        first = re.search("[0-9]", chunk)
        announced = _ID_ANNOUNCED.match(chunk, first.start()) if first else None
        if announced:
            found.append((announced.start(), announced.end(), _mask_id_match(announced)))
    for pattern, mask in _DETECTORS:
        position = 0
        while True:
            match = pattern.search(chunk, position)
            if match is None:
                break
            at = bisect.bisect_left(found, (match.start(),))
            blocker = next((span for span in found[max(at - 1, 0) : at + 1]
                            if span[0] < match.end() and match.start() < span[1]), None)
            if blocker is not None:  # earlier detectors win; look again after what they found
                position = max(match.start() + 1, blocker[1])
                continue
            masked = mask(match)
            if masked is None:
                position = match.start() + 1  # a refused candidate may hide a number starting inside it
                continue
            found.insert(at, (match.start(), match.end(), masked))
            position = match.end()
    return found


def find_personal_numbers(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, masked)`` for each ID or phone number in ``text`` (indices into ``text``), in order.

    Where matches overlap the more certain one wins: ID numbers, then mobiles, then landlines.
    """
    if not text or _UUID.fullmatch(text):
        return []
    out: list[tuple[int, int, str]] = []
    for stretch in _STRETCH.finditer(text):
        if len(stretch.group()) < _MIN_DIGITS or len(_STRETCH_DIGIT.findall(stretch.group())) < _MIN_DIGITS:
            continue
        chunk, where = _searchable(stretch.group())
        before = _searchable(text[max(0, stretch.start() - _CONTEXT_CHARS) : stretch.start()])[0]
        base = stretch.start()
        out.extend((base + where[start], base + where[end - 1] + 1, masked)
                   for start, end, masked in _find_in_stretch(chunk, before))
    return out


def mask_numbers_in_text(text: str) -> str:
    """``text`` with every ID number and phone number it contains masked (see the section comment)."""
    spans = find_personal_numbers(text)
    if not spans:
        return text
    parts, last = [], 0
    for start, end, masked in spans:
        parts.append(text[last:start])
        parts.append(masked)
        last = end
    parts.append(text[last:])
    return "".join(parts)
