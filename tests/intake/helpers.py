"""Builders for intake tests: valid identifiers and registration payloads."""
from __future__ import annotations

import copy

from workflow_app.platform.identifiers.validation import id_check_digit, org_code_check_char, uscc_check_char

RECEIVED = "2026-11-20T09:00:00+08:00"  # a Friday; 5 WD later is Friday 2026-11-27


def uscc(n: int = 1, division: str = "410105") -> str:
    """A valid unified social credit code (GB 32100 check character and GB 11714 body check)."""
    body8 = f"MA{n:06d}"
    first17 = "91" + division + body8 + org_code_check_char(body8)
    return first17 + uscc_check_char(first17)


def id_number(n: int = 1, birth: str = "19900101") -> str:
    """A valid 18-character resident ID number (GB 11643 check digit)."""
    first17 = "410105" + birth + f"{n % 1000:03d}"
    return first17 + id_check_digit(first17)


def claim(code: str, **extra) -> dict:
    out = {"code": code}
    if code in ("wage_arrears", "wage_deduction", "below_min_wage"):
        out.update(amount=5000, months_unpaid=1)
    out.update(extra)
    return out


BASE = {
    "kind": "complaint",
    "channel": "window",
    "received_at": RECEIVED,
    "complainant": {"name": "张三", "id_number": id_number(1), "phone": "13812345678"},
    "employer": {"name": "郑州某建筑工程有限公司", "uscc": uscc(1), "district": "zz-jinshui"},
    "workers_affected": 1,
    "claims": [claim("wage_arrears")],
    "violation_ongoing": True,
    "employment_ongoing": True,
}


def registration(*claims, **overrides) -> dict:
    """A valid registration; ``claims`` (codes or dicts) replace the default wage claim; nested dicts in
    ``overrides`` (``employer``, ``complainant``) are merged into the defaults."""
    data = copy.deepcopy(BASE)
    if claims:
        data["claims"] = [claim(c) if isinstance(c, str) else c for c in claims]
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return data
