"""Passwords: hashing (Argon2) and the password policy (docs/security.md)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from workflow_app.platform.errors import Invalid

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


#: Password policy (docs/security.md): length, character classes, no username, not a known weak password.
PASSWORD_MIN = 10
PASSWORD_MAX = 128
_WEAK = frozenset({"password123", "password1234", "1234567890a", "a1234567890", "qwerty12345", "qwertyuiop1",
                   "admin123456", "abc1234567", "abcd123456", "iloveyou123", "woaini1314520", "zhang123456",
                   "caseflow2026", "passw0rd123", "p@ssw0rd123"})


def password_problems(password: str, username: str | None = None) -> list[str]:
    problems = []
    if not isinstance(password, str):
        return ["密码格式不正确"]
    if len(password) < PASSWORD_MIN:
        problems.append(f"密码至少{PASSWORD_MIN}位")
    if len(password) > PASSWORD_MAX:
        problems.append(f"密码不能超过{PASSWORD_MAX}位")
    if not any(c.isdigit() for c in password) or not any(c.isalpha() for c in password):
        problems.append("密码须同时包含字母和数字")
    if len(set(password)) < 4:
        problems.append("密码不能由过少的不同字符组成")
    if username and len(username) >= 3 and username.lower() in password.lower():
        problems.append("密码不能包含用户名")
    if password.lower() in _WEAK:
        problems.append("密码过于常见")
    return problems


def check_password_policy(password: str, username: str | None = None) -> None:
    problems = password_problems(password, username)
    if problems:
        text = "；".join(problems)
        raise Invalid(f"密码不符合要求：{text}", "password does not meet the policy (min 10 characters, letters "
                      "and digits, at least 4 distinct characters, not containing the username, not a common password)",
                      errors={"password": text})


def generate_password(username: str | None = None) -> str:
    """A random password that meets the policy: shown once to the administrator who reset it."""
    import secrets
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # no look-alikes (0/O, 1/l/I)
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(14))
        if not password_problems(candidate, username):
            return candidate
