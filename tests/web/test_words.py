"""Words for people who read pages: amounts in yuan, clock units, errors in English (docs/ui.md "Names, not
codes", "Error messages in English"). Pure functions: no database, no request."""
from __future__ import annotations

from workflow_app.entrypoints.web.common import unit_words, yuan
from workflow_app.platform.errors import Conflict, DomainError, Forbidden, NotFound


def test_amounts_are_written_in_yuan_with_thousands_and_two_decimals():
    assert yuan(36000) == "¥36,000.00"
    assert yuan(1234567.5) == "¥1,234,567.50"
    assert yuan("800") == "¥800.00"
    assert yuan(-12.3) == "-¥12.30"
    assert yuan(None) == "" and yuan("") == ""


def test_remaining_time_has_the_unit_of_its_clock():
    assert unit_words("WD") == "个工作日"
    assert unit_words("CD") == "天"
    assert unit_words("h") == "小时"


def test_an_error_reads_in_english_as_its_user_sentence_or_its_detail_as_a_sentence():
    assert NotFound("案件不存在或无权查看", "instance 7 not found",
                    english="The case does not exist or you may not see it").english == \
        "The case does not exist or you may not see it."
    assert Forbidden("只能删除自己保存的筛选", "not the owner").english == "Not the owner."
    assert Conflict("任务已处于委派中", "task is already delegated").english == "Task is already delegated."
    # A detail that is itself Chinese falls back to the kind of error, never shows Chinese in English.
    assert DomainError("出错了").english == "Bad request."
