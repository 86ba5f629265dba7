"""Identifiers taken at intake: validation, normalisation and masking.

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

* **Masking.** An ID number keeps its first 4 and last 4 characters
  (``4101**********1234``): enough to tell records apart in a list and to match a card held at the
  window, while the county code and the birth date (the parts most useful for impersonation) are
  hidden. It does still show the prefecture and, through the 17th digit, the holder's sex. A mobile
  number keeps 3 + 4 (``138****5678``), a landline keeps its area code and the first and last two
  digits of the local number. Masking never raises: text that is not a valid identifier is masked
  more aggressively rather than logged in clear.
"""

from __future__ import annotations

import bisect
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
    "find_personal_numbers",
    "id_check_digit",
    "mask_id_number",
    "mask_numbers_in_text",
    "mask_phone",
    "org_code_check_char",
    "uscc_check_char",
    "validate_id_number",
    "validate_phone",
    "validate_uscc",
]


class IdentifierError(ValueError):
    """An identifier was rejected.

    `code` is stable and machine-readable (``"uscc.check_digit"``); `message` is the Chinese text
    shown to the clerk. ``str(error)`` is the message.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)  # keeps the error picklable
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


_DIGITS: Final = "0123456789"


def _normalise(text: str) -> str:
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
    return IdentifierError(
        "uscc.charset",
        f"统一社会信用代码第{position}位「{_shown(char)}」不是有效字符：只能是数字和大写字母，"
        f"且不使用 I、O、Z、S、V{hint}",
    )


def uscc_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code, from its first 17 (GB 32100, MOD 31)."""
    body = _normalise(first17)
    if len(body) != 17:
        raise IdentifierError("uscc.length", f"计算校验码需要统一社会信用代码的前17位，现在是{len(body)}位")
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
    body = _normalise(body8)
    if not _ORG_CODE_BODY.fullmatch(body):
        raise IdentifierError("uscc.org_code_format", "组织机构代码本体应为8位数字或大写字母")
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
    code = _normalise(text)
    if not code:
        raise IdentifierError("uscc.empty", "请填写统一社会信用代码")
    if len(code) != 18:
        if _LEGACY_REGISTRATION_NUMBER.fullmatch(code):
            raise IdentifierError(
                "uscc.legacy_registration_number",
                "这是15位的旧版工商注册号，请填写营业执照上的18位统一社会信用代码",
            )
        if _LEGACY_ORG_CODE.fullmatch(code):
            raise IdentifierError(
                "uscc.legacy_org_code",
                "这是旧版组织机构代码，请填写营业执照或登记证书上的18位统一社会信用代码",
            )
        raise IdentifierError(
            "uscc.length", f"统一社会信用代码应为18位，现在是{len(code)}位，请核对是否漏输或多输"
        )
    bad = _first_bad_char(code, _USCC_VALUE)
    if bad is not None:
        raise _uscc_charset_error(*bad)

    entry = USCC_REGISTRATION_AUTHORITIES.get(code[0])
    if entry is None:
        raise IdentifierError(
            "uscc.authority",
            f"统一社会信用代码第1位「{code[0]}」不是有效的登记管理部门代码（企业、个体工商户以9开头）",
        )
    authority_name, types = entry
    if code[1] not in types:
        options = "、".join(f"{key} {name}" for key, name in types.items())
        raise IdentifierError(
            "uscc.org_type",
            f"统一社会信用代码第2位「{code[1]}」与第1位不匹配：登记管理部门「{code[0]} {authority_name}」"
            f"的机构类别只能是 {options}",
        )
    bad = _first_bad_char(code[2:8], _DIGITS)
    if bad is not None:
        raise IdentifierError(
            "uscc.division",
            f"统一社会信用代码第3至8位应为6位数字的行政区划代码，第{bad[0] + 2}位是「{_shown(bad[1])}」",
        )
    if code[17] != uscc_check_char(code[:17]):
        raise IdentifierError(
            "uscc.check_digit",
            "统一社会信用代码校验不通过，可能有字符输错或顺序颠倒，请对照营业执照逐位核对",
        )
    if check_org_code and code[16] != org_code_check_char(code[8:16]):
        raise IdentifierError(
            "uscc.org_code_check_digit",
            "统一社会信用代码第9至17位（组织机构代码）校验不通过，请对照营业执照原件或"
            "国家企业信用信息公示系统核对；核对无误的，由受理人员确认后登记",
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
    body = _normalise(first17)
    if len(body) != 17:
        raise IdentifierError("id.length", f"计算校验码需要身份证号码的前17位，现在是{len(body)}位")
    bad = _first_bad_char(body, _DIGITS)
    if bad is not None:
        raise IdentifierError("id.charset", f"身份证号码第{bad[0]}位「{_shown(bad[1])}」无效：前17位只能是数字")
    total = sum(int(char) * weight for char, weight in zip(body, _ID_WEIGHTS))
    return _ID_CHECK_CHARS[total % 11]


def validate_id_number(text: str, today: date | None = None) -> str:
    """Validate an 18-character resident ID number; return it normalised (a final ``x`` upper-cased).

    `today` bounds the birth date (default: the current date).
    """
    number = _normalise(text)
    if not number:
        raise IdentifierError("id.empty", "请填写身份证号码")
    if len(number) == 15 and _first_bad_char(number, _DIGITS) is None:
        raise IdentifierError(
            "id.legacy_15",
            "这是15位的第一代身份证号码，已于2013年1月1日停止使用，请填写18位身份证号码",
        )
    if len(number) != 18:
        raise IdentifierError("id.length", f"身份证号码应为18位，现在是{len(number)}位，请核对是否漏输或多输")
    bad = _first_bad_char(number[:17], _DIGITS)
    if bad is None and number[17] not in _ID_CHECK_CHARS:
        bad = 18, number[17]
    if bad is not None:
        raise IdentifierError(
            "id.charset", f"身份证号码第{bad[0]}位「{_shown(bad[1])}」无效：前17位只能是数字，最后一位是数字或X"
        )
    if number[:2] not in ID_PROVINCE_CODES:
        raise IdentifierError("id.province", f"身份证号码前两位「{number[:2]}」不是有效的省级行政区划代码，请核对")

    birth = _parse_birth_date(number)
    if birth < _ID_EARLIEST_BIRTH:
        raise IdentifierError(
            "id.birth_date_too_early", f"身份证号码中的出生日期 {birth.isoformat()} 早于1900年1月1日，请核对"
        )
    if birth > (today or clock.today_local()):
        raise IdentifierError("id.future_birth_date", f"身份证号码中的出生日期 {birth.isoformat()} 晚于今天，请核对")
    if number[17] != id_check_digit(number[:17]):
        raise IdentifierError(
            "id.check_digit", "身份证号码校验不通过，可能有数字输错或顺序颠倒，请对照身份证逐位核对"
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
        raise IdentifierError("phone.empty", "请填写联系电话")

    extension: str | None = None
    marker = _EXTENSION_MARKER.search(raw)
    if marker:
        extension, raw = marker.group(1), raw[: marker.start()].rstrip()
        if len(extension) > _MAX_EXTENSION_DIGITS:
            raise IdentifierError("phone.extension", f"分机号最多{_MAX_EXTENSION_DIGITS}位")

    international = False
    prefix = _COUNTRY_PREFIX.match(raw)
    if prefix:
        international, raw = True, raw[prefix.end() :]
    elif _OTHER_COUNTRY.match(raw):
        raise IdentifierError("phone.country_code", "只能登记中国大陆的电话号码（国际区号+86）")

    groups = [group for group in _PHONE_SEPARATORS.split(raw) if group]
    for group in groups:
        bad = _first_bad_char(group, _DIGITS)
        if bad is not None:
            raise IdentifierError(
                "phone.charset", f"联系电话中有无效字符「{_shown(bad[1])}」：只能填写数字，区号与号码之间可用“-”分隔"
            )
    digits = "".join(groups)
    if not digits:
        raise IdentifierError("phone.empty", "请填写联系电话")
    if not international and len(digits) == 13 and digits.startswith("86") and _MOBILE.fullmatch(digits[2:]):
        international, digits = True, digits[2:]  # "8613812345678": country code without + or 00
    if international and (digits.startswith("10") or digits[0] in "23456789"):
        # +86 371 67890123, +86 10 67890123: the international form drops the trunk 0 of the
        # area code. No mobile number starts with 10, so Beijing's 10 is unambiguous.
        digits = "0" + digits

    if digits.startswith("1"):
        if extension is not None:
            raise IdentifierError("phone.extension", "手机号码不能带分机号")
        if len(digits) != 11:
            raise IdentifierError("phone.mobile_length", f"手机号码应为11位，现在是{len(digits)}位")
        if not _MOBILE.fullmatch(digits):
            raise IdentifierError("phone.mobile_prefix", "手机号码应以13至19开头，请核对")
        return digits

    if not digits.startswith("0"):
        if 7 <= len(digits) <= 8:
            raise IdentifierError("phone.missing_area_code", "固定电话请加区号，例如 0371-67890123")
        raise IdentifierError(
            "phone.format", "无法识别的电话号码，请填写11位手机号码或带区号的固定电话（如 0371-67890123）"
        )

    landline = _split_landline(digits)
    if landline is None and extension is None and len(groups) >= 2:
        # "0371-67890123-123": a dash-separated last group is an extension if the rest is a number.
        shorter = _split_landline("".join(groups[:-1]))
        if shorter is not None:
            if len(groups[-1]) > _MAX_EXTENSION_DIGITS:
                raise IdentifierError("phone.extension", f"分机号最多{_MAX_EXTENSION_DIGITS}位")
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


def _split_landline(digits: str) -> tuple[str, str] | None:
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
        return IdentifierError("phone.area_code", f"区号「{digits[:3]}」无效：区号如 010、021、0371")
    local = digits[length:]
    return IdentifierError(
        "phone.local_number",
        f"区号{digits[:length]}后的号码「{local}」无效：应为7至8位（三位区号后为8位），且不以0或1开头",
    )


# --------------------------------------------------------------------------------------------
# Masking for lists and logs
# --------------------------------------------------------------------------------------------

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
    normal = _normalise(text)
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
    landline = _split_landline(digits)
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
