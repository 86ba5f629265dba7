"""Masking of personal data (个人信息): identity and phone numbers hidden wherever they are listed, exported,
logged or stored in the audit trail (docs/security.md §5).

* :func:`mask_id_number` / :func:`mask_phone` mask one value (``4101**********1234``, ``138****5678``).
* :func:`mask_text` masks ID numbers and mobile and landline numbers inside free text (summaries,
  comments, log lines, audit details), however they are written — spaces, dashes, dots, brackets,
  full-width digits, ``ID``/``身份证号：``/``+86`` prefixes, area codes (the detector:
  :func:`workflow_app.platform.identifiers.detection.find_personal_numbers`).
* :func:`mask_data` masks a JSON-like structure: values under personal keys (:func:`is_personal_key`)
  and personal-looking runs inside every string.
* :class:`MaskingLogFilter` / :func:`install_log_masking` keep full numbers out of log files (messages,
  ``extra`` fields and tracebacks).

Pure functions, below the audit trail (which stores events already masked); the audited reveal of full
values is ``platform/personal_data/reveal.py``.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from workflow_app.platform.identifiers.detection import mask_id_number as _mask_id_number
from workflow_app.platform.identifiers.detection import mask_numbers_in_text as _mask_numbers_in_text
from workflow_app.platform.identifiers.detection import mask_phone as _mask_phone


#: Keys whose values are personal data wherever they occur in task data, variables or audit payloads.
ID_KEYS = frozenset({"id_number", "id_no", "id_card", "identity_number", "id_card_number"})

PHONE_KEYS = frozenset({"phone", "mobile", "telephone", "tel", "contact_phone", "phone_number", "mobile_number"})

def mask_id_number(value: Any) -> str:
    text = "" if value is None else str(value)
    try:
        return _mask_id_number(text)
    except Exception:  # noqa: BLE001 - masking never fails; it hides everything instead
        return "*" * len(text)

def mask_phone(value: Any) -> str:
    text = "" if value is None else str(value)
    try:
        return _mask_phone(text)
    except Exception:  # noqa: BLE001
        return "*" * len(text)

def _key_kind(key: str) -> str | None:
    k = key.lower()
    if k in ID_KEYS or k.endswith("_id_number") or k.endswith("id_card"):
        return "id"
    if k in PHONE_KEYS or k.endswith("_phone") or k.endswith("_mobile") or k.endswith("_tel"):
        return "phone"
    return None

def is_personal_key(key: Any) -> bool:
    return isinstance(key, str) and _key_kind(key) is not None

def mask_text(text: Any) -> Any:
    """Mask ID numbers and phone numbers inside free text, whatever way they are written (spaces, dashes,
    dots, brackets, full-width digits, ``ID``/``身份证号：`` or ``+86``/``0086`` prefixes, area codes:
    :func:`intake.identifiers.mask_numbers_in_text`); non-strings are returned unchanged."""
    if not isinstance(text, str) or not text:
        return text
    try:
        return _mask_numbers_in_text(text)
    except Exception:  # noqa: BLE001 - masking never fails open: it hides everything instead
        return "*" * len(text)

def mask_value(key: str, value: Any) -> Any:
    kind = _key_kind(key) if isinstance(key, str) else None
    if value is None or kind is None:
        return mask_data(value)
    if isinstance(value, (dict, list, tuple)):
        return mask_data(value)
    return mask_id_number(value) if kind == "id" else mask_phone(value)

def mask_data(value: Any, _depth: int = 0) -> Any:
    """A copy of a JSON-like value with personal keys masked and personal runs in strings masked."""
    if _depth > 64:
        return "…"
    if isinstance(value, Mapping):
        return {k: (mask_value(k, v) if is_personal_key(k) else mask_data(v, _depth + 1)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_data(v, _depth + 1) for v in value]
    if isinstance(value, str):
        return mask_text(value)
    return value

class MaskingLogFilter(logging.Filter):
    """Rewrites a log record's message with :func:`mask_text` (arguments merged first)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logged as it is
            return True
        masked = mask_text(message)
        if masked != message or record.args:
            record.msg, record.args = masked, ()
        return True

_installed = False

def install_log_masking() -> None:
    """Mask every log record created from now on, whatever logger or handler it goes through.

    Two layers: the record factory masks the message (what ``record.getMessage()`` gives to in-memory
    consumers), and every handler's formatted output is masked too — ``extra`` fields are attached to a
    record only after the factory ran, and exception tracebacks are formatted by the handler, so only the
    final text is sure to have passed :func:`mask_text`.
    """
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()
    masking = MaskingLogFilter()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        masking.filter(record)
        return record

    logging.setLogRecordFactory(factory)
    unmasked_format = logging.Handler.format

    def masked_format(self, record):
        return mask_text(unmasked_format(self, record))

    logging.Handler.format = masked_format  # type: ignore[method-assign]
    _installed = True

def collect(data: Any, prefix: str = "", depth: int = 0, out: dict | None = None) -> dict[str, Any]:
    """Personal values inside a JSON-like mapping, by dotted path (``complainant.id_number``)."""
    out = {} if out is None else out
    if not isinstance(data, Mapping) or depth > 4:
        return out
    for key, value in data.items():
        if not isinstance(key, str):
            continue
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            collect(value, path + ".", depth + 1, out)
        elif is_personal_key(key) and value not in (None, ""):
            out[path] = value
    return out

def masked(values: Mapping[str, Any]) -> dict[str, Any]:
    return {path: mask_value(path.rsplit(".", 1)[-1], value) for path, value in values.items()}

def is_personal_path(path: Any) -> bool:
    return isinstance(path, str) and is_personal_key(path.rsplit(".", 1)[-1])
