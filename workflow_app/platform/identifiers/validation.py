"""Identifiers taken at intake: validation and normalisation of credit codes (USCC), ID numbers and phones.

One module although it passes 400 lines: a fifth of it is the reasoning below, and the three validators
share one normalisation, one error type and one message style that an intake clerk must find consistent.

Pure functions, standard library only. Every rejection is an `IdentifierError` carrying a stable
machine-readable `code` (for the API and for tests) and a Chinese `message` written for the intake
clerk: what is wrong, where, and what to check.

Decisions (the why behind behaviour that is not dictated by the standards):

* **Input normalisation.** Text is NFKC-normalised (full-width digits and letters typed with a
  Chinese input method become ASCII), surrounding whitespace is stripped, letters are upper-cased.
  Nothing inside the identifier is removed: a space or dash in the middle of a credit code or an ID
  number is reported, not silently repaired. Phone numbers are the exception: people write them with
  spaces, dashes and brackets, so those separators are accepted.

* **Check characters are never revealed in messages.** A clerk who is told "the last character
  should be 7" will type 7, and if the real typo was in the middle the record now holds a
  well-formed number of a *different* person or employer. The message instead asks for a
  character-by-character comparison with the document. It also keeps the intake API from serving as
  a check-digit oracle for fabricated numbers. The helpers `uscc_check_char` and `id_check_digit`
  exist for tests and demo data, not for user-facing messages.

* **Order of checks.** Structure first (length, characters, code tables, dates), the check
  character last: a typo in a structured part gets the more specific message.

* **USCC positions 9-17 (主体标识码).** GB 32100-2015 defines them as the organisation code,
  coded per GB 11714, for every registration authority and institution type; the standard exempts
  none, so they are checked by default. The idea that individually-owned businesses (92...) carry
  bodies that fail GB 11714 found no support: no such provision exists, and real 个体工商户 codes
  such as 92141127MA0KD1Y64A (published in a public issue tracker, queryable at cods.org.cn) pass
  both checks. What is documented is locally issued legacy codes that deviate from the standard:
  some Xiamen codes issued before 2016 fail even the 18th-character check (hutool issue #4119,
  91350203M0001QKT19). A code that passes the mod-31 check but fails the mod-11 body check is
  practically never a typo (every single substitution and adjacent transposition is already
  caught by the mod-31 check), so it is either fabricated or such an anomaly. The clerk is asked
  to check the licence; once the clerk has confirmed the code against the original, the caller
  re-validates with `check_org_code=False`. The 18th-character check is never waived.

* **USCC positions 3-8** must be six digits. They name the *registration authority's* division
  (100000 for national registration), not where the employer uses labour, so they are not used for
  routing and not checked against a division list here.

* **15-digit ID numbers are refused** with their own message: first-generation ID cards stopped
  being valid on 2013-01-01 and a 15-digit number has no check digit. The clerk asks for the
  18-digit number rather than the system up-converting one it cannot verify.

* **ID province codes** include 81/82/83: the residence permits for Hong Kong, Macao and Taiwan
  residents (港澳台居民居住证, 2018) carry 18-digit GB 11643 numbers with those address codes,
  and such workers do complain. 71 (Taiwan in GB/T 2260) is kept as listed in the division standard.

One module for the three validators because they are one thing: they share the normalisation, the
error type and the decisions above, and the tests check every error code raised here against their
tables. Finding and masking numbers in text is :mod:`workflow_app.platform.identifiers.detection`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Final

from workflow_app.platform import clock

__all__ = [
    "ID_PROVINCE_CODES",
    "USCC_ALPHABET",
    "USCC_REGISTRATION_AUTHORITIES",
    "IdentifierError",
    "birth_date_from_id",
    "id_check_digit",
    "normalise",
    "org_code_check_char",
    "split_landline",
    "uscc_check_char",
    "validate_id_number",
    "validate_phone",
    "validate_uscc",
]


class IdentifierError(ValueError):
    """An identifier was rejected.

    `code` is stable and machine-readable (``"uscc.check_digit"``); `message` is the Chinese text
    shown to the clerk and `english` the same sentence in English (docs/intake.md "Messages in two
    languages"). ``str(error)`` is the message.
    """

    def __init__(self, code: str, message: str, english: str = "") -> None:
        super().__init__(code, message, english)  # keeps the error picklable
        self.code = code
        self.message = message
        self.english = english or message

    def __str__(self) -> str:
        return self.message


_DIGITS: Final = "0123456789"


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().upper()


# --------------------------------------------------------------------------------------------
# 统一社会信用代码 (GB 32100-2015 with amendment No. 1 of 2016)
# --------------------------------------------------------------------------------------------

#: The 31 code characters in value order (0..30): digits and capitals without I, O, Z, S, V.
USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE: Final = {char: value for value, char in enumerate(USCC_ALPHABET)}
#: W_i = 3^(i-1) mod 31: 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28.
_USCC_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))

#: Registration authority code (position 1) -> (authority, {institution type code (position 2) -> type}).
#: GB 32100-2015 table as amended (修改单 No. 1, 2016) and published by the code administration
#: (全国组织机构统一社会信用代码数据服务中心). "工商" is the standard's name for what is now
#: market regulation (市场监管); 9 1/2/3 are enterprises, individually-owned businesses and
#: farmers' specialised cooperatives, the employers this system mostly sees.
USCC_REGISTRATION_AUTHORITIES: Final[Mapping[str, tuple[str, Mapping[str, str]]]] = MappingProxyType(
    {
        authority: (name, MappingProxyType(types))
        for authority, (name, types) in {
            "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
            "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
            "3": (
                "司法行政",
                {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所", "4": "司法鉴定机构", "5": "仲裁委员会", "9": "其他"},
            ),
            "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
            "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
            "6": (
                "旅游",
                {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"},
            ),
            "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
            "8": ("工会", {"1": "基层工会", "9": "其他"}),
            "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
            "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
            "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
            "Y": ("其他", {"1": "其他"}),
        }.items()
    }
)

# Letters a clerk may type for a digit; the code never uses them, so the hint is safe.
_USCC_LOOKALIKES: Final = {"O": "0", "I": "1", "Z": "2", "S": "5"}


def _first_bad_char(text: str, allowed: Mapping[str, object] | str) -> tuple[int, str] | None:
    """1-based position and character of the first character not in `allowed`."""
    for index, char in enumerate(text):
        if char not in allowed:
            return index + 1, char
    return None


def _shown(char: str) -> str:
    """A rejected character as the clerk should read it in a message."""
    if char.isspace():
        return "空格"
    return char if char.isprintable() else repr(char)


def _uscc_charset_error(position: int, char: str) -> IdentifierError:
    hint = f"（字母{char}可能应为数字{_USCC_LOOKALIKES[char]}）" if char in _USCC_LOOKALIKES else ""
    hint_en = f" (the letter {char} may be the digit {_USCC_LOOKALIKES[char]})" if char in _USCC_LOOKALIKES else ""
    return IdentifierError(
        "uscc.charset",
        f"统一社会信用代码第{position}位「{_shown(char)}」不是有效字符：只能是数字和大写字母，"
        f"且不使用 I、O、Z、S、V{hint}",
        f"Character {position} of the unified social credit code, '{_shown(char)}', is not valid: only digits and "
        f"upper-case letters other than I, O, Z, S, V are used{hint_en}",
    )


def uscc_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code, from its first 17 (GB 32100, MOD 31)."""
    body = normalise(first17)
    if len(body) != 17:
        raise IdentifierError("uscc.length", f"计算校验码需要统一社会信用代码的前17位，现在是{len(body)}位",
                              f"the check character needs the first 17 characters of the credit code, not {len(body)}")
    bad = _first_bad_char(body, _USCC_VALUE)
    if bad is not None:
        raise _uscc_charset_error(*bad)
    total = sum(_USCC_VALUE[char] * weight for char, weight in zip(body, _USCC_WEIGHTS))
    return USCC_ALPHABET[-total % 31]  # 31 - (total mod 31), with 31 written as 0


_ORG_CODE_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CODE_BODY: Final = re.compile(r"[0-9A-Z]{8}")


def org_code_check_char(body8: str) -> str:
    """The 9th character of an organisation code (GB 11714-1997, MOD 11) from its first 8.

    Characters count 0-9 for digits and 10-35 for A-Z; a check value of 10 is written ``X`` and 11
    is written ``0``. In a credit code this is position 17, computed over positions 9-16.
    """
    body = normalise(body8)
    if not _ORG_CODE_BODY.fullmatch(body):
        raise IdentifierError("uscc.org_code_format", "组织机构代码本体应为8位数字或大写字母",
                              "the organisation code body must be 8 digits or upper-case letters")
    total = sum(int(char, 36) * weight for char, weight in zip(body, _ORG_CODE_WEIGHTS))
    value = -total % 11  # 11 - (total mod 11), with 11 written as 0
    return "X" if value == 10 else str(value)


_LEGACY_REGISTRATION_NUMBER: Final = re.compile(r"[0-9]{15}")
_LEGACY_ORG_CODE: Final = re.compile(r"[0-9A-Z]{8}-?[0-9X]")


def validate_uscc(text: str, *, check_org_code: bool = True) -> str:
    """Validate a unified social credit code and return it normalised (18 upper-case characters).

    `check_org_code=False` skips only the GB 11714 check of positions 9-17, for a code the clerk
    has confirmed against the original business licence (see the module notes).
    """
    code = normalise(text)
    if not code:
        raise IdentifierError("uscc.empty", "请填写统一社会信用代码",
                              "Please fill in the unified social credit code")
    if len(code) != 18:
        if _LEGACY_REGISTRATION_NUMBER.fullmatch(code):
            raise IdentifierError(
                "uscc.legacy_registration_number",
                "这是15位的旧版工商注册号，请填写营业执照上的18位统一社会信用代码",
                "This is an old 15-digit business registration number; please enter the 18-character unified "
                "social credit code on the business licence",
            )
        if _LEGACY_ORG_CODE.fullmatch(code):
            raise IdentifierError(
                "uscc.legacy_org_code",
                "这是旧版组织机构代码，请填写营业执照或登记证书上的18位统一社会信用代码",
                "This is an old organisation code; please enter the 18-character unified social credit code on "
                "the business licence or registration certificate",
            )
        raise IdentifierError(
            "uscc.length", f"统一社会信用代码应为18位，现在是{len(code)}位，请核对是否漏输或多输",
            f"The unified social credit code has 18 characters, not {len(code)}; please check for missing or "
            "extra characters",
        )
    bad = _first_bad_char(code, _USCC_VALUE)
    if bad is not None:
        raise _uscc_charset_error(*bad)

    entry = USCC_REGISTRATION_AUTHORITIES.get(code[0])
    if entry is None:
        raise IdentifierError(
            "uscc.authority",
            f"统一社会信用代码第1位「{code[0]}」不是有效的登记管理部门代码（企业、个体工商户以9开头）",
            f"Character 1 of the unified social credit code, '{code[0]}', is not a registration authority code "
            "(companies and individual businesses start with 9)",
        )
    authority_name, types = entry
    if code[1] not in types:
        options = "、".join(f"{key} {name}" for key, name in types.items())
        raise IdentifierError(
            "uscc.org_type",
            f"统一社会信用代码第2位「{code[1]}」与第1位不匹配：登记管理部门「{code[0]} {authority_name}」"
            f"的机构类别只能是 {options}",
            f"Character 2 of the unified social credit code, '{code[1]}', does not match character 1: registration "
            f"authority {code[0]} allows only the organisation types {', '.join(types)}",
        )
    bad = _first_bad_char(code[2:8], _DIGITS)
    if bad is not None:
        raise IdentifierError(
            "uscc.division",
            f"统一社会信用代码第3至8位应为6位数字的行政区划代码，第{bad[0] + 2}位是「{_shown(bad[1])}」",
            f"Characters 3 to 8 of the unified social credit code are a 6-digit division code; character "
            f"{bad[0] + 2} is '{_shown(bad[1])}'",
        )
    if code[17] != uscc_check_char(code[:17]):
        raise IdentifierError(
            "uscc.check_digit",
            "统一社会信用代码校验不通过，可能有字符输错或顺序颠倒，请对照营业执照逐位核对",
            "The unified social credit code fails its check character: a character may be mistyped or two swapped; "
            "please compare it with the business licence character by character",
        )
    if check_org_code and code[16] != org_code_check_char(code[8:16]):
        raise IdentifierError(
            "uscc.org_code_check_digit",
            "统一社会信用代码第9至17位（组织机构代码）校验不通过，请对照营业执照原件或"
            "国家企业信用信息公示系统核对；核对无误的，由受理人员确认后登记",
            "Characters 9 to 17 of the unified social credit code (the organisation code) fail their check: please "
            "compare them with the original business licence or the national enterprise credit information "
            "system; if they are right, the clerk confirms the code and registers it",
        )
    return code


# --------------------------------------------------------------------------------------------
# 居民身份证号码 (GB 11643-1999)
# --------------------------------------------------------------------------------------------

#: First two digits of an ID number: province-level divisions of GB/T 2260, plus 81/82/83 used by
#: residence permits for Hong Kong, Macao and Taiwan residents.
ID_PROVINCE_CODES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
        "21": "辽宁", "22": "吉林", "23": "黑龙江",
        "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
        "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
        "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
        "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
        "71": "台湾",
        "81": "香港（居住证）", "82": "澳门（居住证）", "83": "台湾（居住证）",
    }
)  # fmt: skip

#: W_i = 2^(18-i) mod 11: 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 (ISO 7064 MOD 11-2).
_ID_WEIGHTS: Final = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK_CHARS: Final = "10X98765432"  # indexed by the weighted sum mod 11
_ID_EARLIEST_BIRTH: Final = date(1900, 1, 1)


def id_check_digit(first17: str) -> str:
    """The 18th character of a resident ID number from its first 17 digits."""
    body = normalise(first17)
    if len(body) != 17:
        raise IdentifierError("id.length", f"计算校验码需要身份证号码的前17位，现在是{len(body)}位",
                              f"the check digit needs the first 17 digits of the ID number, not {len(body)}")
    bad = _first_bad_char(body, _DIGITS)
    if bad is not None:
        raise IdentifierError("id.charset", f"身份证号码第{bad[0]}位「{_shown(bad[1])}」无效：前17位只能是数字",
                              f"character {bad[0]} of the ID number, '{_shown(bad[1])}', is not valid: the first 17 "
                              "are digits")
    total = sum(int(char) * weight for char, weight in zip(body, _ID_WEIGHTS))
    return _ID_CHECK_CHARS[total % 11]


def validate_id_number(text: str, today: date | None = None) -> str:
    """Validate an 18-character resident ID number; return it normalised (a final ``x`` upper-cased).

    `today` bounds the birth date (default: the current date).
    """
    number = normalise(text)
    if not number:
        raise IdentifierError("id.empty", "请填写身份证号码", "Please fill in the ID number")
    if len(number) == 15 and _first_bad_char(number, _DIGITS) is None:
        raise IdentifierError(
            "id.legacy_15",
            "这是15位的第一代身份证号码，已于2013年1月1日停止使用，请填写18位身份证号码",
            "This is a 15-digit first-generation ID number, no longer valid since 1 January 2013; please enter the "
            "18-character ID number",
        )
    if len(number) != 18:
        raise IdentifierError("id.length", f"身份证号码应为18位，现在是{len(number)}位，请核对是否漏输或多输",
                              f"The ID number has 18 characters, not {len(number)}; please check for missing or "
                              "extra digits")
    bad = _first_bad_char(number[:17], _DIGITS)
    if bad is None and number[17] not in _ID_CHECK_CHARS:
        bad = 18, number[17]
    if bad is not None:
        raise IdentifierError(
            "id.charset", f"身份证号码第{bad[0]}位「{_shown(bad[1])}」无效：前17位只能是数字，最后一位是数字或X",
            f"Character {bad[0]} of the ID number, '{_shown(bad[1])}', is not valid: the first 17 are digits, the "
            "last is a digit or X",
        )
    if number[:2] not in ID_PROVINCE_CODES:
        raise IdentifierError("id.province", f"身份证号码前两位「{number[:2]}」不是有效的省级行政区划代码，请核对",
                              f"The first two digits of the ID number, '{number[:2]}', are not a province code; "
                              "please check")

    birth = _parse_birth_date(number)
    if birth < _ID_EARLIEST_BIRTH:
        raise IdentifierError(
            "id.birth_date_too_early", f"身份证号码中的出生日期 {birth.isoformat()} 早于1900年1月1日，请核对",
            f"The birth date in the ID number, {birth.isoformat()}, is before 1 January 1900; please check",
        )
    if birth > (today or clock.today_local()):
        raise IdentifierError("id.future_birth_date", f"身份证号码中的出生日期 {birth.isoformat()} 晚于今天，请核对",
                              f"The birth date in the ID number, {birth.isoformat()}, is after today; please check")
    if number[17] != id_check_digit(number[:17]):
        raise IdentifierError(
            "id.check_digit", "身份证号码校验不通过，可能有数字输错或顺序颠倒，请对照身份证逐位核对",
            "The ID number fails its check digit: a digit may be mistyped or two swapped; please compare it with "
            "the ID card digit by digit",
        )
    return number


def _parse_birth_date(number: str) -> date:
    """Positions 7-14 (YYYYMMDD) of a number whose first 17 characters are known to be digits."""
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    try:
        return date(year, month, day)
    except ValueError:
        raise IdentifierError(
            "id.birth_date",
            f"身份证号码第7至14位的出生日期「{number[6:10]}年{number[10:12]}月{number[12:14]}日」"
            "不是有效日期，请核对",
            f"The birth date in characters 7 to 14 of the ID number, {number[6:10]}-{number[10:12]}-{number[12:14]}, "
            "is not a valid date; please check",
        ) from None


def birth_date_from_id(text: str, today: date | None = None) -> date:
    """The birth date of a valid ID number (the number is fully validated first)."""
    return _parse_birth_date(validate_id_number(text, today))


# --------------------------------------------------------------------------------------------
# Phone numbers (mainland China)
# --------------------------------------------------------------------------------------------

# An explicit extension at the end: 转123, 分机123, ext 123, x123, #123.
_MAX_EXTENSION_DIGITS: Final = 6
_EXTENSION_MARKER: Final = re.compile(r"(?:转|分机|EXT\.?|X|#)\s*([0-9]+)$")
# +86 / 0086, possibly in brackets: "+86 ", "(+86)", "0086-".
_COUNTRY_PREFIX: Final = re.compile(r"^\(?\s*(?:\+|00)\s*86\s*\)?")
_OTHER_COUNTRY: Final = re.compile(r"^\(?\s*(?:\+|00)")
# Separators people put inside phone numbers (after NFKC, full-width ones are ASCII already).
_PHONE_SEPARATORS: Final = re.compile(r"[\s\-‐‑–—().]+")
_MOBILE: Final = re.compile(r"1[3-9][0-9]{9}")
_LOCAL_NUMBER: Final = re.compile(r"[2-9][0-9]{6,7}")


def validate_phone(text: str) -> str:
    """Validate a mainland phone number and return it normalised.

    Mobile: 11 digits (``13812345678``), an optional +86 / 0086 / 86 prefix is dropped.
    Landline: ``area-local[-extension]`` (``0371-67890123``, ``010-67890123-123``); the area code
    is 010 or 02X (then 8 local digits) or 0XXX (7 or 8 local digits).
    """
    raw = unicodedata.normalize("NFKC", text).strip().upper()
    if not raw:
        raise IdentifierError("phone.empty", "请填写联系电话", "Please fill in the phone number")

    extension: str | None = None
    marker = _EXTENSION_MARKER.search(raw)
    if marker:
        extension, raw = marker.group(1), raw[: marker.start()].rstrip()
        if len(extension) > _MAX_EXTENSION_DIGITS:
            raise IdentifierError("phone.extension", f"分机号最多{_MAX_EXTENSION_DIGITS}位",
                                  f"An extension has at most {_MAX_EXTENSION_DIGITS} digits")

    international = False
    prefix = _COUNTRY_PREFIX.match(raw)
    if prefix:
        international, raw = True, raw[prefix.end() :]
    elif _OTHER_COUNTRY.match(raw):
        raise IdentifierError("phone.country_code", "只能登记中国大陆的电话号码（国际区号+86）",
                              "Only mainland China phone numbers (country code +86) can be registered")

    groups = [group for group in _PHONE_SEPARATORS.split(raw) if group]
    for group in groups:
        bad = _first_bad_char(group, _DIGITS)
        if bad is not None:
            raise IdentifierError(
                "phone.charset", f"联系电话中有无效字符「{_shown(bad[1])}」：只能填写数字，区号与号码之间可用“-”分隔",
                f"The phone number contains an invalid character '{_shown(bad[1])}': use digits only, with '-' "
                "between area code and number",
            )
    digits = "".join(groups)
    if not digits:
        raise IdentifierError("phone.empty", "请填写联系电话", "Please fill in the phone number")
    if not international and len(digits) == 13 and digits.startswith("86") and _MOBILE.fullmatch(digits[2:]):
        international, digits = True, digits[2:]  # "8613812345678": country code without + or 00
    if international and (digits.startswith("10") or digits[0] in "23456789"):
        # +86 371 67890123, +86 10 67890123: the international form drops the trunk 0 of the
        # area code. No mobile number starts with 10, so Beijing's 10 is unambiguous.
        digits = "0" + digits

    if digits.startswith("1"):
        if extension is not None:
            raise IdentifierError("phone.extension", "手机号码不能带分机号", "A mobile number has no extension")
        if len(digits) != 11:
            raise IdentifierError("phone.mobile_length", f"手机号码应为11位，现在是{len(digits)}位",
                                  f"A mobile number has 11 digits, not {len(digits)}")
        if not _MOBILE.fullmatch(digits):
            raise IdentifierError("phone.mobile_prefix", "手机号码应以13至19开头，请核对",
                                  "A mobile number starts with 13 to 19; please check")
        return digits

    if not digits.startswith("0"):
        if 7 <= len(digits) <= 8:
            raise IdentifierError("phone.missing_area_code", "固定电话请加区号，例如 0371-67890123",
                                  "Please add the area code to a landline number, e.g. 0371-67890123")
        raise IdentifierError(
            "phone.format", "无法识别的电话号码，请填写11位手机号码或带区号的固定电话（如 0371-67890123）",
            "Unrecognised phone number: enter an 11-digit mobile number or a landline with area code "
            "(e.g. 0371-67890123)",
        )

    landline = split_landline(digits)
    if landline is None and extension is None and len(groups) >= 2:
        # "0371-67890123-123": a dash-separated last group is an extension if the rest is a number.
        shorter = split_landline("".join(groups[:-1]))
        if shorter is not None:
            if len(groups[-1]) > _MAX_EXTENSION_DIGITS:
                raise IdentifierError("phone.extension", f"分机号最多{_MAX_EXTENSION_DIGITS}位",
                                  f"An extension has at most {_MAX_EXTENSION_DIGITS} digits")
            landline, extension = shorter, groups[-1]
    if landline is None:
        raise _landline_error(digits)
    area, local = landline
    return f"{area}-{local}" + (f"-{extension}" if extension else "")


def _area_code_length(digits: str) -> int | None:
    """Length of the area code at the start of `digits` (which starts with 0), None if invalid."""
    if digits.startswith(("010", "02")):
        return 3
    if re.match(r"0[3-9]", digits):
        return 4
    return None


def split_landline(digits: str) -> tuple[str, str] | None:
    length = _area_code_length(digits)
    if length is None:
        return None
    area, local = digits[:length], digits[length:]
    if not _LOCAL_NUMBER.fullmatch(local) or (length == 3 and len(local) != 8):
        return None
    return area, local


def _landline_error(digits: str) -> IdentifierError:
    """Why `digits` (starting with 0) is not a landline number."""
    length = _area_code_length(digits)
    if length is None:
        return IdentifierError("phone.area_code", f"区号「{digits[:3]}」无效：区号如 010、021、0371",
                           f"The area code '{digits[:3]}' is not valid: area codes look like 010, 021, 0371")
    local = digits[length:]
    return IdentifierError(
        "phone.local_number",
        f"区号{digits[:length]}后的号码「{local}」无效：应为7至8位（三位区号后为8位），且不以0或1开头",
        f"The number '{local}' after area code {digits[:length]} is not valid: it has 7 or 8 digits (8 after a "
        "three-digit area code) and does not start with 0 or 1",
    )
