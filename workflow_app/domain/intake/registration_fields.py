"""The input fields the registration schema is made of, and its errors as the window shows them.

They are marshmallow fields, so the schema that validates a registration is the one the OpenAPI document
shows. They read a value the way docs/intake.md ("Registration") describes it, which differs from
marshmallow's own fields in what the clerk sees:

* a missing key, ``null`` and (for text, choices and dates) a blank string all mean "not given": an
  optional field then takes its default, a required one answers 请填写… / 请选择…;
* JSON types are taken as they are, never coerced: ``"10"`` is not a number, ``1`` is not a yes/no;
* every message names its field (``“拖欠工资”的金额不能为负数``), so it reads on its own next to the field
  and in a list of problems. A label may depend on the object being read (a claim's issue), and so may
  whether a value is required.

A field that finds a problem raises one message; a nested object (:class:`Section`) or a list of objects
(:class:`Items`) raises the problems of its parts together, keeping what did load (``valid_data``) for the
checks that span fields. :func:`flat_errors` turns marshmallow's nested error dictionary into one message
per field path (``complainant.id_number``, ``claims[1].amount``), in the order of the form.

Every label and message is :class:`Bilingual`: the Chinese text that the API reports in ``errors``, carrying
its English (``errors_en``), both made by the same check (docs/intake.md "Messages in two languages").
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, missing, validates_schema

SCHEMA_KEY = "_schema"  # marshmallow's key for a problem of an object itself
ROOT_PATH = "_"  # the path of a problem of the whole document



class Bilingual(str):
    """A Chinese label or message (the string itself) with the same words in English as :attr:`en`."""

    en: str

    def __new__(cls, zh: str, en: str) -> Bilingual:
        text = super().__new__(cls, zh)
        text.en = en
        return text


def english(text: Any) -> str:
    """The English of a :class:`Bilingual` text; any other text as it is."""
    return text.en if isinstance(text, Bilingual) else str(text)


def english_sentence(text: Any) -> str:
    """The English of a message as it is shown on its own: starting with a capital."""
    words = english(text)
    return words[:1].upper() + words[1:]


def bi(zh: str, en: str, /, **parts: Any) -> Bilingual:
    """A message from its two templates: each ``{part}`` is filled with the part in that language."""
    return Bilingual(zh.format(**{k: str(v) for k, v in parts.items()}),
                     en.format(**{k: english(v) for k, v in parts.items()}))


Label = Bilingual | Callable[[Mapping], Bilingual]


class InputSchema(Schema):
    """An object of the registration: unknown keys are refused one by one, by name."""

    class Meta:
        unknown = EXCLUDE  # reported by :meth:`_refuse_unknown_keys`, with the key in the message

    def unknown_key_errors(self, original: Any) -> dict[str, list[str]]:
        if not isinstance(original, Mapping):
            return {}
        return {str(key): [bi("不认识的字段“{key}”", "unknown field \"{key}\"", key=key)] for key in original if key not in self.fields}

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _refuse_unknown_keys(self, data, original, **kwargs):
        errors = self.unknown_key_errors(original)
        if errors:
            raise ValidationError(errors)


class _Input:
    """What the registration's scalar fields share: the label, "not given", and required-ness.

    ``required_when`` makes a value required depending on the object it is read from (a wage claim needs
    its amount); rules that depend on other objects (a complaint needs an ID number) belong to the schema.
    """

    missing_verb = Bilingual("填写", "fill in")

    def __init__(self, label: Label, *, required: bool = False, required_when: Callable[[Mapping], bool] | None = None,
                 default: Any = None, **kwargs):
        self.label = label
        self.required_when = required_when
        self.default = default
        if not required and default is not None:
            kwargs.setdefault("load_default", default)  # for the OpenAPI document; deserialize() applies it
        super().__init__(required=required, allow_none=not required, **kwargs)

    def label_for(self, data: Mapping | None) -> Bilingual:
        return self.label(data or {}) if callable(self.label) else self.label

    def deserialize(self, value: Any, attr: str | None = None, data: Mapping | None = None, **kwargs):
        if value is missing or value is None or self.is_blank(value):
            if self.required or (self.required_when is not None and self.required_when(data or {})):
                raise ValidationError(bi("请{verb}{label}", "please {verb} the {label}", verb=self.missing_verb,
                                         label=self.label_for(data)))
            return self.default
        return self.check(value, self.label_for(data), data or {})

    def is_blank(self, value: Any) -> bool:
        return False

    def check(self, value: Any, label: Bilingual, data: Mapping) -> Any:
        raise NotImplementedError


class Text(_Input, fields.String):
    """Text, stripped; between ``min_len`` and ``max_len`` characters."""

    def __init__(self, label: Label, *, max_len: int = 200, min_len: int = 1, **kwargs):
        self.max_len, self.min_len = max_len, min_len
        kwargs.setdefault("metadata", {})["maxLength"] = max_len
        super().__init__(label, **kwargs)

    def is_blank(self, value: Any) -> bool:
        return isinstance(value, str) and not value.strip()

    def check(self, value: Any, label: Bilingual, data: Mapping) -> str:
        if not isinstance(value, str):
            raise ValidationError(bi("{label}应为文本", "the {label} must be text", label=label))
        value = value.strip()
        if len(value) < self.min_len:
            raise ValidationError(bi("{label}至少{n}个字", "the {label} needs at least {n} characters", label=label,
                                     n=self.min_len))
        if len(value) > self.max_len:
            raise ValidationError(bi("{label}最多{n}个字", "the {label} allows at most {n} characters", label=label,
                                     n=self.max_len))
        return self.refine(value, label, data)

    def refine(self, value: str, label: Bilingual, data: Mapping) -> str:
        """A further check of well-formed text (an identifier, a bureau code); returns the value to keep."""
        return value


class Flag(_Input, fields.Boolean):
    """Yes or no (JSON true/false); not given: the default."""

    def __init__(self, label: Label, *, default: bool = False, **kwargs):
        super().__init__(label, default=default, **kwargs)

    def check(self, value: Any, label: Bilingual, data: Mapping) -> bool:
        if not isinstance(value, bool):
            raise ValidationError(bi("{label}应为是/否", '"{label}" must be yes or no', label=label))
        return value


class Choice(_Input, fields.String):
    """One code of ``options`` (code -> Chinese label), or of ``options()`` when read at load time."""

    missing_verb = Bilingual("选择", "choose")

    def __init__(self, label: Label, options: Mapping[str, str] | Callable[[], Mapping[str, str]], **kwargs):
        self.options = options
        if not callable(options):
            kwargs.setdefault("metadata", {})["enum"] = list(options)
        super().__init__(label, **kwargs)

    def is_blank(self, value: Any) -> bool:
        return value == ""

    def check(self, value: Any, label: Bilingual, data: Mapping) -> str:
        options = self.options() if callable(self.options) else self.options
        if not isinstance(value, str) or value not in options:
            raise ValidationError(bi("{label}的取值不在允许范围内（可选：{zh}）", "the {label} is not one of the allowed values "
                                     "({en})", label=label, zh="、".join(options.values()), en=", ".join(options)))
        return value


class Count(_Input, fields.Integer):
    """A whole number (a JSON integer, or a float without fraction) between ``minimum`` and ``maximum``."""

    def __init__(self, label: Label, *, minimum: int = 0, maximum: int, **kwargs):
        self.minimum, self.maximum = minimum, maximum
        kwargs.setdefault("metadata", {}).update(minimum=minimum, maximum=maximum)
        super().__init__(label, **kwargs)

    def check(self, value: Any, label: Bilingual, data: Mapping) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (isinstance(value, float) and (not math.isfinite(value) or not value.is_integer())):
            raise ValidationError(bi("{label}应为整数", "the {label} must be a whole number", label=label))
        value = int(value)
        if value < self.minimum:
            raise ValidationError(bi("{label}不能小于{n}", "the {label} must not be less than {n}", label=label,
                                     n=self.minimum))
        if value > self.maximum:
            raise ValidationError(bi("{label}不能大于{n}", "the {label} must not be greater than {n}", label=label,
                                     n=self.maximum))
        return value


class Amount(_Input, fields.Decimal):
    """Yuan: a JSON number, not negative, at most ``maximum``, with at most two decimals."""

    def __init__(self, label: Label, *, maximum: Decimal, **kwargs):
        self.maximum = maximum
        kwargs.setdefault("metadata", {}).update(minimum=0, maximum=float(maximum))
        super().__init__(label, **kwargs)

    def check(self, value: Any, label: Bilingual, data: Mapping) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (isinstance(value, float) and not math.isfinite(value)):
            raise ValidationError(bi("{label}应为数字", "the {label} must be a number", label=label))
        amount = Decimal(str(value))
        if amount < 0:
            raise ValidationError(bi("{label}不能为负数", "the {label} must not be negative", label=label))
        if amount > self.maximum:
            raise ValidationError(bi("{label}超出合理范围", "the {label} is beyond any plausible amount", label=label))
        if amount != amount.quantize(Decimal("0.01")):
            raise ValidationError(bi("{label}最多保留两位小数", "the {label} has at most two decimals", label=label))
        return amount


class Day(_Input, fields.Date):
    """A calendar day ``YYYY-MM-DD``, not after ``not_after()`` (named ``not_after_label``), not before 1950."""

    EARLIEST_YEAR = 1950

    def __init__(self, label: Label, *, not_after: Callable[[], date], not_after_label: Bilingual, **kwargs):
        self.not_after, self.not_after_label = not_after, not_after_label
        super().__init__(label, **kwargs)

    def is_blank(self, value: Any) -> bool:
        return value == ""

    def check(self, value: Any, label: Bilingual, data: Mapping) -> date:
        not_a_date = bi("{label}不是有效的日期（YYYY-MM-DD）", "the {label} is not a valid date (YYYY-MM-DD)", label=label)
        if not isinstance(value, str) or len(value) != 10:
            raise ValidationError(not_a_date)
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            raise ValidationError(not_a_date) from None
        if parsed > self.not_after():
            raise ValidationError(bi("{label}不能晚于{after}", "the {label} must not be after the {after}", label=label,
                                     after=self.not_after_label))
        if parsed.year < self.EARLIEST_YEAR:
            raise ValidationError(bi("{label}早于{year}年，请核对", "the {label} is before {year}; please check",
                                     label=label, year=self.EARLIEST_YEAR))
        return parsed


class Section(fields.Nested):
    """A nested object (the complainant, the employer, a project).

    Not an object (or not given when required): one message on the object's own path. With
    ``absent_is_none`` an absent, empty or malformed object stands for "none" and nothing inside it is
    checked; otherwise it is read as an empty object, so that what it lacks is reported too.
    """

    def __init__(self, nested: type[Schema], *, label: Bilingual, required: bool = False, absent_is_none: bool = False,
                 **kwargs):
        self.label, self.absent_is_none = label, absent_is_none
        super().__init__(nested, required=required, allow_none=not required, **kwargs)

    def deserialize(self, value: Any, attr: str | None = None, data: Mapping | None = None, **kwargs):
        own: str | None = None
        if value is missing or value is None:
            if self.required:
                own = bi("请填写{label}", "please fill in the {label}", label=self.label)
            elif self.absent_is_none:
                return None
            value = {}
        elif not isinstance(value, Mapping):
            own = bi("{label}格式不正确", "the {label} is not in the right format", label=self.label)
            if self.absent_is_none:
                raise ValidationError(own)
            value = {}
        elif not value and self.absent_is_none:
            return None
        try:
            loaded = self.schema.load(value)
        except ValidationError as exc:
            messages = exc.messages if isinstance(exc.messages, dict) else {SCHEMA_KEY: exc.messages}
            if own:
                messages = {SCHEMA_KEY: [own, *messages.get(SCHEMA_KEY, [])],
                            **{k: v for k, v in messages.items() if k != SCHEMA_KEY}}
            raise ValidationError(messages, valid_data=exc.valid_data) from None
        if own:
            raise ValidationError(own, valid_data=loaded)
        return loaded


class Items(fields.List):
    """A list of objects (claims, workers); item ``i`` is called ``item_label(i)`` (第1项诉求) in messages.

    ``too_many(items, data)`` answers a message when the list is longer than allowed (then its items are
    not read). :meth:`load_item` reads one object; subclasses screen items before loading them.
    """

    def __init__(self, item_schema: type[Schema], *, item_label: Callable[[int], Bilingual], malformed: Bilingual,
                 absent: Bilingual | None = None,
                 too_many: Callable[[list, Mapping], Bilingual | None] | None = None,
                 **kwargs):
        self.item_label, self.malformed, self.absent, self.too_many = item_label, malformed, absent, too_many
        super().__init__(fields.Nested(item_schema), required=absent is not None, allow_none=absent is None, **kwargs)

    @property
    def item_schema(self) -> Schema:
        return self.inner.schema

    def deserialize(self, value: Any, attr: str | None = None, data: Mapping | None = None, **kwargs):
        if value is missing or value is None or (value == [] and self.absent):
            if self.absent:
                raise ValidationError(self.absent)
            return []
        if not isinstance(value, list):
            raise ValidationError(self.malformed)
        message = self.too_many(value, data or {}) if self.too_many else None
        if message:
            raise ValidationError(message)
        loaded, errors, state = [], {}, {}
        for index, raw in enumerate(value):
            label = self.item_label(index)
            if raw is None:
                errors[index] = [bi("请填写{label}", "please fill in {label}", label=label)]
                continue
            if not isinstance(raw, Mapping):
                errors[index] = [bi("{label}格式不正确", "{label} is not in the right format", label=label)]
                continue
            try:
                item = self.load_item(raw, state)
            except ValidationError as exc:
                errors[index] = exc.messages
                if exc.valid_data is not None:
                    loaded.append(exc.valid_data)
                continue
            loaded.append(item)
        if errors:
            raise ValidationError(errors, valid_data=loaded)
        return loaded

    def load_item(self, raw: Mapping, state: dict) -> dict:
        """One well-formed object; ``state`` is shared by the items of one list (e.g. codes seen)."""
        return self.item_schema.load(raw)


def flat_errors(messages: Any, schema: Schema | None) -> dict[str, Bilingual]:
    """One message per field path, ordered like the form: an object's own problem first, then its unknown
    keys, then its fields in declaration order (list items by index). Where several checks failed on one
    path, the first one (the most basic: type before range before rules across fields) is kept."""
    out: dict[str, str] = {}
    _flatten(messages, schema, "", out)
    return out


def _flatten(messages: Any, schema: Schema | None, path: str, out: dict[str, Bilingual]) -> None:
    if not isinstance(messages, dict):
        items = messages if isinstance(messages, list) else [messages]
        for message in items:
            if isinstance(message, (dict, list)):
                _flatten(message, schema, path, out)
            else:
                out.setdefault(path or ROOT_PATH, message if isinstance(message, Bilingual)
                               else Bilingual(str(message), str(message)))
        return
    names = list(schema.fields) if schema is not None else []

    def rank(key):
        if key == SCHEMA_KEY:
            return (0, 0)
        if isinstance(key, int):
            return (1, key)
        return (2, names.index(key)) if key in names else (1, 0)

    for key in sorted(messages, key=rank):
        if key == SCHEMA_KEY:
            _flatten(messages[key], None, path, out)
        elif isinstance(key, int):
            _flatten(messages[key], schema, f"{path}[{key}]", out)
        else:
            _flatten(messages[key], _schema_of(schema, key), f"{path}.{key}" if path else str(key), out)


def _schema_of(schema: Schema | None, name: str) -> Schema | None:
    field = schema.fields.get(name) if schema is not None else None
    if isinstance(field, Items):
        return field.item_schema
    if isinstance(field, fields.Nested):
        return field.schema
    return None
