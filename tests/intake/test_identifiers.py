"""Tests for workflow_app.platform.identifiers.validation (and the value masks of .detection).

Expected check characters in the tables were computed independently of the module (by hand for
the published examples, by a separate script for the constructed ones), so the tables do not just
echo the implementation back.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow_app.platform.identifiers import validation as identifiers
from workflow_app.platform.identifiers.detection import mask_id_number, mask_phone
from workflow_app.platform.identifiers.validation import (
    ID_PROVINCE_CODES,
    USCC_ALPHABET,
    USCC_REGISTRATION_AUTHORITIES,
    IdentifierError,
    birth_date_from_id,
    id_check_digit,
    org_code_check_char,
    uscc_check_char,
    validate_id_number,
    validate_phone,
    validate_uscc,
)

TODAY = date(2025, 6, 30)


def rejects(call: Callable[..., object], *args: object, **kwargs: object) -> IdentifierError:
    with pytest.raises(IdentifierError) as info:
        call(*args, **kwargs)
    return info.value


def make_uscc(first8: str, body8: str) -> str:
    """A credit code with both check characters computed (as the demo data generator does)."""
    first16 = first8 + body8
    first17 = first16 + org_code_check_char(body8)
    return first17 + uscc_check_char(first17)


# ---------------------------------------------------------------------------------------------
# 统一社会信用代码
# ---------------------------------------------------------------------------------------------


def test_uscc_weights_and_alphabet_are_the_standards() -> None:
    assert identifiers._USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert USCC_ALPHABET == "0123456789ABCDEFGHJKLMNPQRTUWXY"
    assert not set("IOZSV") & set(USCC_ALPHABET)


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        # GB 32100-2015's worked example 91350100M000100Y4Z has a wrong 18th character; the
        # standard computes 3 for it.
        ("91350100M000100Y43", "91350100M000100Y43"),
        # python-stdnum's documented example (Beijing).
        ("91110000600037341L", "91110000600037341L"),
        # A real individually-owned business (个体工商户): its body passes GB 11714 as well.
        ("92141127MA0KD1Y64A", "92141127MA0KD1Y64A"),
        # Constructed: 18th character 0 (31 - 0 wraps) and Y (value 30); body check 0 and X.
        ("91410105MA00001700", "91410105MA00001700"),
        ("91410105MA0000357Y", "91410105MA0000357Y"),
        ("91410105MA000004X1", "91410105MA000004X1"),
        # Lower case, surrounding whitespace and full-width characters are normalised.
        ("91110000600037341l", "91110000600037341L"),
        ("  91350100m000100y43\t\n", "91350100M000100Y43"),
        ("９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43"),
    ],
)
def test_valid_uscc(text: str, normalised: str) -> None:
    assert validate_uscc(text) == normalised


def _with_bad_body_check() -> str:
    """A code whose 18th character is right but whose body check character (position 17) is not."""
    first16 = "91410105MA44XJ7Q"
    good = org_code_check_char("MA44XJ7Q")
    wrong = next(c for c in "0123456789X" if c != good)
    first17 = first16 + wrong
    return first17 + uscc_check_char(first17)


INVALID_USCC = [
    ("", "uscc.empty", "请填写"),
    ("   ", "uscc.empty", "请填写"),
    ("410105000123456", "uscc.legacy_registration_number", "15位"),
    ("600037341", "uscc.legacy_org_code", "组织机构代码"),
    ("60003734-1", "uscc.legacy_org_code", "组织机构代码"),
    ("91350100M000100Y4", "uscc.length", "现在是17位"),
    ("91350100M000100Y433", "uscc.length", "现在是19位"),
    ("91350100M000100Y4Z", "uscc.charset", "第18位「Z」"),
    ("913501O0M000100Y43", "uscc.charset", "可能应为数字0"),
    ("9135010 M000100Y43", "uscc.charset", "第8位「空格」"),
    ("91350100M000100Y4-", "uscc.charset", "第18位"),
    ("B1350100M000100Y43", "uscc.authority", "第1位「B」"),
    ("01350100M000100Y43", "uscc.authority", "第1位「0」"),
    ("95350100M000100Y43", "uscc.org_type", "1 企业、2 个体工商户、3 农民专业合作社"),
    ("Y2350100M000100Y43", "uscc.org_type", "Y 其他"),
    ("54350100M000100Y43", "uscc.org_type", "第2位「4」"),
    ("9135A100M000100Y43", "uscc.division", "第5位是「A」"),
    ("91350100M000100Y44", "uscc.check_digit", "逐位核对"),
    ("91350100M00010Y043", "uscc.check_digit", "逐位核对"),  # adjacent transposition
    # Xiamen legacy code reported in hutool #4119: genuine, but not per GB 32100.
    ("91350203M0001QKT19", "uscc.check_digit", "逐位核对"),
    (_with_bad_body_check(), "uscc.org_code_check_digit", "营业执照原件"),
]


@pytest.mark.parametrize(("text", "code", "in_message"), INVALID_USCC)
def test_invalid_uscc(text: str, code: str, in_message: str) -> None:
    error = rejects(validate_uscc, text)
    assert error.code == code
    assert in_message in error.message


def test_body_check_is_enforced_by_default_and_can_be_waived_after_checking_the_licence() -> None:
    code = _with_bad_body_check()
    assert rejects(validate_uscc, code).code == "uscc.org_code_check_digit"
    assert validate_uscc(code, check_org_code=False) == code
    # The waiver is only for the body: the 18th character is still checked.
    broken = code[:17] + next(c for c in USCC_ALPHABET if c != code[17])
    assert rejects(validate_uscc, broken, check_org_code=False).code == "uscc.check_digit"


@pytest.mark.parametrize(
    ("authority", "org_type"),
    [(authority, org_type) for authority, (_, types) in USCC_REGISTRATION_AUTHORITIES.items() for org_type in types],
)
def test_every_combination_in_the_table_is_accepted(authority: str, org_type: str) -> None:
    code = make_uscc(authority + org_type + "410100", "MA3X7K2W")
    assert validate_uscc(code) == code


def test_registration_table_matches_gb32100() -> None:
    table = {authority: "".join(types) for authority, (_, types) in USCC_REGISTRATION_AUTHORITIES.items()}
    assert table == {
        "1": "1239", "2": "19", "3": "123459", "4": "19", "5": "1239", "6": "129",
        "7": "129", "8": "19", "9": "123", "A": "19", "N": "1239", "Y": "1",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("body8", "check"),
    [("60003734", "1"), ("MA000004", "X"), ("MA000009", "0"), ("MA0KD1Y6", "4"), ("ma000004", "X")],
)
def test_org_code_check_char(body8: str, check: str) -> None:
    assert org_code_check_char(body8) == check


# Misuse of the helpers (programming errors, still reported as IdentifierError).
INVALID_HELPER_INPUT: list[tuple[Callable[[str], str], str, str]] = [
    (org_code_check_char, "6000373", "uscc.org_code_format"),
    (org_code_check_char, "600037341", "uscc.org_code_format"),
    (org_code_check_char, "6000-373", "uscc.org_code_format"),
    (uscc_check_char, "9135010", "uscc.length"),
    (uscc_check_char, "91350100M000100YO", "uscc.charset"),
    (id_check_digit, "4101051990", "id.length"),
    (id_check_digit, "4101051990010112X", "id.charset"),
]


@pytest.mark.parametrize(("helper", "text", "code"), INVALID_HELPER_INPUT)
def test_helpers_reject_bad_input(helper: Callable[[str], str], text: str, code: str) -> None:
    assert rejects(helper, text).code == code


def test_uscc_check_message_does_not_reveal_the_expected_character() -> None:
    # Codes expecting different check characters get one message, which names no code character.
    wrong = ("91350100M000100Y40", "91110000600037341A")  # expect 3 and L
    messages = {rejects(validate_uscc, code).message for code in wrong}
    assert len(messages) == 1
    assert not re.search(r"[0-9A-Z]", messages.pop())


# Hypothesis strategies for structurally valid credit codes.
_authority_and_type = st.sampled_from(
    [a + t for a, (_, types) in USCC_REGISTRATION_AUTHORITIES.items() for t in types]
)
_division = st.text(alphabet="0123456789", min_size=6, max_size=6)
_body8 = st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8)
valid_usccs = st.builds(lambda at, div, body: make_uscc(at + div, body), _authority_and_type, _division, _body8)


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_check_char_satisfies_iso7064_mod31(first17: str) -> None:
    """Any 17 characters plus the computed check: the weighted sum over all 18 is 0 mod 31."""
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28, 1)
    code = first17 + uscc_check_char(first17)
    assert sum(USCC_ALPHABET.index(c) * w for c, w in zip(code, weights)) % 31 == 0


@given(valid_usccs)
def test_constructed_codes_validate_in_any_case(code: str) -> None:
    assert validate_uscc(code) == code
    assert validate_uscc(f" {code.lower()} ") == code


# Every single-character substitution is detected: changing position i from value a to b changes
# the weighted sum by W_i * (b - a); W_i = 3^(i-1) is a unit mod 31 (31 is prime) and
# 0 < |b - a| < 31, so the sum can never stay 0 mod 31. A character outside the alphabet is caught
# by the character check. So this holds even with the body check waived.
@given(valid_usccs, st.integers(0, 17), st.sampled_from(USCC_ALPHABET + "IOSVZ-* "))
def test_any_single_substitution_is_detected(code: str, position: int, replacement: str) -> None:
    if code[position] == replacement:
        replacement = USCC_ALPHABET[(USCC_ALPHABET.index(replacement) + 1) % 31]
    altered = code[:position] + replacement + code[position + 1 :]
    rejects(validate_uscc, altered, check_org_code=False)
    rejects(validate_uscc, altered)


# Swapping neighbours a, b at positions i, i+1 changes the sum by (W_i - W_{i+1}) * (b - a); for
# i < 17, W_{i+1} = 3 W_i so the factor is -2 W_i, a unit mod 31; for the check character (weight
# 1) next to position 17 (weight 28) it is 27. So every adjacent transposition is detected too.
@given(valid_usccs, st.integers(0, 16))
def test_any_adjacent_transposition_is_detected(code: str, position: int) -> None:
    a, b = code[position], code[position + 1]
    if a == b:
        return
    swapped = code[:position] + b + a + code[position + 2 :]
    rejects(validate_uscc, swapped, check_org_code=False)


# ---------------------------------------------------------------------------------------------
# 居民身份证号码
# ---------------------------------------------------------------------------------------------


def test_id_weights_are_the_standards() -> None:
    assert identifiers._ID_WEIGHTS == (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@pytest.mark.parametrize(
    ("text", "normalised", "birth"),
    [
        # The example in GB 11643-1999 itself.
        ("11010519491231002X", "11010519491231002X", date(1949, 12, 31)),
        ("11010519491231002x", "11010519491231002X", date(1949, 12, 31)),
        (" \t11010519491231002x \n", "11010519491231002X", date(1949, 12, 31)),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X", date(1949, 12, 31)),
        ("410105199001011233", "410105199001011233", date(1990, 1, 1)),
        # 29 February in leap years (2000 is divisible by 400, 2004 by 4).
        ("410105200002290022", "410105200002290022", date(2000, 2, 29)),
        ("41010520040229003X", "41010520040229003X", date(2004, 2, 29)),
        # Boundaries of the accepted birth dates.
        ("410105190001010010", "410105190001010010", date(1900, 1, 1)),
        # Residence permits for Hong Kong and Taiwan residents.
        ("810000198512310019", "810000198512310019", date(1985, 12, 31)),
        ("830000197006150023", "830000197006150023", date(1970, 6, 15)),
    ],
)
def test_valid_id_number(text: str, normalised: str, birth: date) -> None:
    assert validate_id_number(text, today=TODAY) == normalised
    assert birth_date_from_id(text, today=TODAY) == birth


def make_id(first17: str) -> str:
    return first17 + id_check_digit(first17)


INVALID_ID = [
    ("", "id.empty", "请填写"),
    ("410105900101123", "id.legacy_15", "18位"),
    ("41010519900101123", "id.length", "现在是17位"),
    ("4101051990010112334", "id.length", "现在是19位"),
    ("41010519900101123A", "id.charset", "第18位「A」"),
    ("4101051990010112X3", "id.charset", "第17位「X」"),
    ("410105 99001011233", "id.charset", "第7位「空格」"),
    (make_id("99010519900101123"), "id.province", "「99」"),
    (make_id("16010519900101123"), "id.province", "「16」"),
    # 1900 is not a leap year (divisible by 100, not by 400); 2001 is not either.
    (make_id("41010519000229001"), "id.birth_date", "1900年02月29日"),
    (make_id("41010520010229001"), "id.birth_date", "2001年02月29日"),
    (make_id("41010519901301001"), "id.birth_date", "不是有效日期"),
    (make_id("41010519900100001"), "id.birth_date", "不是有效日期"),
    (make_id("41010518991231001"), "id.birth_date_too_early", "1899-12-31"),
    # GB 11643-1999's second example, born 1880: check digit right, but no living applicant.
    ("440524188001010014", "id.birth_date_too_early", "1880-01-01"),
    (make_id("41010520250701001"), "id.future_birth_date", "2025-07-01"),
    ("410105199001011234", "id.check_digit", "逐位核对"),
    ("410105199010011233", "id.check_digit", "逐位核对"),  # adjacent transposition
]


@pytest.mark.parametrize(("text", "code", "in_message"), INVALID_ID)
def test_invalid_id_number(text: str, code: str, in_message: str) -> None:
    error = rejects(validate_id_number, text, today=TODAY)
    assert error.code == code
    assert in_message in error.message


def test_birth_date_today_is_accepted_and_tomorrow_is_not() -> None:
    born_today = make_id("410105" + TODAY.strftime("%Y%m%d") + "001")
    assert validate_id_number(born_today, today=TODAY) == born_today
    tomorrow = TODAY + timedelta(days=1)
    born_tomorrow = make_id("410105" + tomorrow.strftime("%Y%m%d") + "001")
    assert rejects(validate_id_number, born_tomorrow, today=TODAY).code == "id.future_birth_date"
    assert validate_id_number(born_tomorrow, today=tomorrow) == born_tomorrow


def test_today_defaults_to_the_current_date() -> None:
    assert rejects(validate_id_number, make_id("41010529990101001")).code == "id.future_birth_date"
    assert validate_id_number("11010519491231002X") == "11010519491231002X"


def test_birth_date_from_id_validates_first() -> None:
    assert rejects(birth_date_from_id, "410105199001011234").code == "id.check_digit"


def test_id_check_message_does_not_reveal_the_expected_digit() -> None:
    wrong = ("410105199001011234", "110105194912310023")  # expect 3 and X
    messages = {rejects(validate_id_number, number, today=TODAY).message for number in wrong}
    assert len(messages) == 1
    assert not re.search(r"[0-9A-Z]", messages.pop())


def test_province_codes() -> None:
    expected = {
        *map(str, range(11, 16)), "21", "22", "23", *map(str, range(31, 38)), *map(str, range(41, 47)),
        *map(str, range(50, 55)), *map(str, range(61, 66)), "71", "81", "82", "83",
    }  # fmt: skip
    assert set(ID_PROVINCE_CODES) == expected


valid_ids = st.builds(
    lambda province, county, born, sequence: make_id(province + county + born.strftime("%Y%m%d") + sequence),
    st.sampled_from(sorted(ID_PROVINCE_CODES)),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.text(alphabet="0123456789", min_size=3, max_size=3),
)


@given(valid_ids)
def test_constructed_id_numbers_validate(number: str) -> None:
    assert validate_id_number(number, today=TODAY) == number
    assert validate_id_number(number.lower(), today=TODAY) == number


# Single substitutions are always detected: W_i = 2^(18-i) mod 11 is a unit mod 11 (11 is prime)
# and two different digits differ by 1..9; the 11 possible check characters have 11 different
# values; an X before position 18 fails the character check.
@given(valid_ids, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_id_substitution_is_detected(number: str, position: int, replacement: str) -> None:
    if number[position] == replacement:
        return
    rejects(validate_id_number, number[:position] + replacement + number[position + 1 :], today=TODAY)


# Adjacent transpositions: (W_i - W_{i+1}) = W_{i+1} since W_i = 2 W_{i+1}, a unit mod 11.
@given(valid_ids, st.integers(0, 16))
def test_any_adjacent_id_transposition_is_detected(number: str, position: int) -> None:
    a, b = number[position], number[position + 1]
    if a == b:
        return
    rejects(validate_id_number, number[:position] + b + a + number[position + 2 :], today=TODAY)


# ---------------------------------------------------------------------------------------------
# Phone numbers
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("13812345678", "13812345678"),
        ("19912345678", "19912345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("(+86)13812345678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("0371-67890123", "0371-67890123"),
        ("037167890123", "0371-67890123"),
        ("0371 6789 0123", "0371-67890123"),
        ("(0371)67890123", "0371-67890123"),
        ("（0371）67890123", "0371-67890123"),
        ("0398-6789012", "0398-6789012"),  # 7-digit local number after a 4-digit area code
        ("010-67890123", "010-67890123"),
        ("029 8888 1234", "029-88881234"),
        ("+86 371 67890123", "0371-67890123"),
        ("+86-10-6789-0123", "010-67890123"),
        ("0086 (0371) 67890123", "0371-67890123"),
        ("0371-67890123-123", "0371-67890123-123"),
        ("0371-6789012-45", "0371-6789012-45"),
        ("0371-67890123转123", "0371-67890123-123"),
        ("0371-67890123 分机 8", "0371-67890123-8"),
        ("0371-67890123 ext. 88", "0371-67890123-88"),
        ("010-67890123#123456", "010-67890123-123456"),
    ],
)
def test_valid_phone(text: str, normalised: str) -> None:
    assert validate_phone(text) == normalised


INVALID_PHONE = [
    ("", "phone.empty"),
    (" - ", "phone.empty"),
    ("138/1234/5678", "phone.charset"),
    ("0371-6789O123", "phone.charset"),
    ("+1 415 555 0100", "phone.country_code"),
    ("00852 2123 4567", "phone.country_code"),
    ("1381234567", "phone.mobile_length"),
    ("138123456789", "phone.mobile_length"),
    ("12812345678", "phone.mobile_prefix"),
    ("10012345678", "phone.mobile_prefix"),
    ("011-67890123", "phone.area_code"),
    ("012-67890123", "phone.area_code"),
    ("010-6789012", "phone.local_number"),  # 3-digit area codes have 8-digit numbers
    ("0371-678901", "phone.local_number"),
    ("0371-12345678", "phone.local_number"),  # local numbers never start with 1 (special services)
    ("0371-02345678", "phone.local_number"),
    ("67890123", "phone.missing_area_code"),
    ("6789012", "phone.missing_area_code"),
    ("13812345678转12", "phone.extension"),
    ("0371-67890123转1234567", "phone.extension"),
    ("0371-67890123-1234567", "phone.extension"),
    ("23456", "phone.format"),
    ("456789012345", "phone.format"),
]


@pytest.mark.parametrize(("text", "code"), INVALID_PHONE)
def test_invalid_phone(text: str, code: str) -> None:
    assert rejects(validate_phone, text).code == code


@given(
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    st.sampled_from(["", "+86 ", "0086", "+86-", "86"]),
    st.sampled_from(["", " ", "-"]),
)
def test_mobile_numbers_in_any_common_format_normalise_to_eleven_digits(mobile: str, prefix: str, sep: str) -> None:
    written = sep.join([mobile[:3], mobile[3:7], mobile[7:]])  # 138 1234 5678
    assert validate_phone(prefix + written) == mobile


# ---------------------------------------------------------------------------------------------
# Masking
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("410105199001011234", "4101**********1234"),
        ("11010519491231002x", "1101**********002X"),
        (" 410105199001011233 ", "4101**********1233"),
        ("410105900101123", "4101*******1123"),  # a legacy 15-digit number: birth date hidden too
        ("4101051990", "**********"),  # too short to show anything
        ("", ""),
    ],
)
def test_mask_id_number(text: str, masked: str) -> None:
    assert mask_id_number(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("0371-67890123", "0371-67****23"),
        ("0398-6789012", "0398-67***12"),
        ("0371-67890123转123", "0371-67****23-123"),
        ("not a phone 13812345678", "*" * 21 + "78"),  # invalid: only the tail survives
        ("12345", "***45"),
        ("1234", "****"),  # too short to show anything
        ("", ""),
    ],
)
def test_mask_phone(text: str, masked: str) -> None:
    assert mask_phone(text) == masked


@given(valid_ids)
def test_masked_id_hides_the_birth_date(number: str) -> None:
    masked = mask_id_number(number)
    assert len(masked) == 18
    assert masked[4:14] == "*" * 10


# ---------------------------------------------------------------------------------------------
# The error type
# ---------------------------------------------------------------------------------------------


def test_identifier_error_is_a_value_error_with_code_and_chinese_message() -> None:
    error = rejects(validate_uscc, "91350100M000100Y44")
    assert isinstance(error, ValueError)
    assert str(error) == error.message
    assert re.search(r"[\u4e00-\u9fff]", error.message)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.message) == (error.code, error.message)


def test_every_error_code_has_a_case_in_the_tables() -> None:
    """Each code the module can raise appears in a table above (whose tests check it is raised)."""
    source = Path(identifiers.__file__).read_text(encoding="utf-8")
    defined = set(re.findall(r'IdentifierError\(\s*"([a-z_]+\.[a-z_0-9]+)"', source))
    assert len(defined) > 20, "error codes not found in the module source"
    tabled = {case[1] for case in INVALID_USCC + INVALID_ID + INVALID_PHONE} | {c for _, _, c in INVALID_HELPER_INPUT}
    assert defined - tabled == set()
