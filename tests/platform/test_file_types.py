"""Type checks of uploads by content (platform/files/content_types.py): the allow-list, the refusals, the
size limit."""
from __future__ import annotations

import json

import pytest

from tests import file_samples as samples
from workflow_app.platform.errors import Invalid, TooLarge
from workflow_app.platform.files.content_types import FileTypePolicy

POLICY = FileTypePolicy.load()


@pytest.mark.parametrize("data, media_type", [
    (samples.pdf(), "application/pdf"),
    (samples.png(), "image/png"),
    (samples.jpeg(), "image/jpeg"),
    (samples.office("docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (samples.office("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (samples.office("pptx"), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    (samples.mp3(), "audio/mpeg"),
    (samples.mp4(), "video/mp4"),
], ids=["pdf", "png", "jpeg", "docx", "xlsx", "pptx", "mp3", "mp4"])
def test_allowed_files_are_recognised_by_their_content(data, media_type):
    assert POLICY.check(data).media_type == media_type


@pytest.mark.parametrize("data, message", [
    (samples.exe(), "不允许上传可执行程序或脚本"),
    (b"#!/bin/sh\nrm -rf /\n", "不允许上传可执行程序或脚本"),
    (samples.html(), "不允许上传网页（HTML）文件"),
    (samples.svg(script=True), "不允许上传含有脚本的 SVG 图片"),
], ids=["exe", "shell-script", "html", "svg-with-script"])
def test_programs_pages_and_scripted_images_are_refused_with_a_chinese_message(data, message):
    with pytest.raises(Invalid) as refused:
        POLICY.check(data)
    assert refused.value.message == message


@pytest.mark.parametrize("data", [samples.plain_zip(), b"just some text", samples.svg(script=False),
                                  samples.office("docx", main_type="application/vnd.ms-word.document."
                                                                   "macroEnabled.main+xml")],
                         ids=["zip", "text", "svg", "docm"])
def test_a_type_not_on_the_allow_list_is_refused(data):
    with pytest.raises(Invalid) as refused:
        POLICY.check(data)
    assert refused.value.message.startswith("不支持的文件类型")


def test_an_empty_file_is_refused():
    with pytest.raises(Invalid, match="文件为空"):
        POLICY.check(b"")


def test_a_file_over_the_size_limit_is_refused():
    small = FileTypePolicy(POLICY.types, max_bytes=1000)
    with pytest.raises(TooLarge, match="文件过大"):
        small.check(samples.pdf() + b" " * 1000)


def test_the_allow_list_is_read_from_the_configured_file(tmp_path):
    path = tmp_path / "types.json"
    path.write_text(json.dumps({"max_bytes": 2048, "kinds": {"evidence": "证据材料"}, "types": [
        {"media_type": "image/png", "label": "PNG 图片", "extension": "png", "preview": True}]}), encoding="utf-8")
    only_png = FileTypePolicy.load(path)
    assert only_png.check(samples.png()).extension == "png"
    assert only_png.max_bytes == 2048
    with pytest.raises(Invalid):
        only_png.check(samples.pdf())


def test_every_allowed_type_and_kind_has_an_english_label():
    from workflow_app.platform.files.content_types import FileTypePolicy
    policy = FileTypePolicy.load()
    assert all(t.label_en and t.label_en != t.label and t.label_en.isascii() for t in policy.allowed())
    assert set(policy.kinds_en) == set(policy.kinds) and all(v.isascii() for v in policy.kinds_en.values())
