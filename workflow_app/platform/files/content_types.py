"""What a file is, from its content — never from its name — and whether it may be attached (docs/files.md
"Type checks").

:func:`detect` reads the bytes: office documents are ZIP containers told apart by the media types their
``[Content_Types].xml`` declares (a .docx is a ZIP whose main part is a word-processing document), the
older ones OLE containers; everything else by its signature (the ``filetype`` library). Markup is looked
for explicitly, so that an HTML page or an SVG carrying script is named as such and refused even when it
is called ``photo.jpg``.

:class:`FileTypePolicy` is the allow-list (``file_types.json`` beside this module, or the file that
``CASEFLOW_FILE_TYPES`` names) and the size limit; :meth:`FileTypePolicy.check` answers the detected type
or raises :class:`~workflow_app.platform.errors.Invalid` (:class:`~workflow_app.platform.errors.TooLarge`
over the size limit) with a Chinese message.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import filetype

from workflow_app.platform.errors import Invalid, TooLarge

DEFAULT_TYPES_FILE = Path(__file__).with_name("file_types.json")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
#: Main-part content types of [Content_Types].xml -> the document's media type. Macro-enabled variants
#: (docm, xlsm, pptm) have other main types and so stay unknown, hence refused.
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
_ODF = ("application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation")
#: Signatures of programs: refused with their own message whatever the allow-list says.
EXECUTABLES = {"application/x-msdownload", "application/x-executable", "application/x-mach-binary",
               "application/x-sharedlib", "application/x-elf", "application/java-archive",
               "application/vnd.microsoft.portable-executable", "application/x-shockwave-flash"}
_MARKUP_SNIFF = 4096
_HTML = re.compile(rb"<\s*(!doctype\s+html|html|head|body|script|iframe|object|embed|meta|a\s|img\s)",
                   re.IGNORECASE)
_SVG = re.compile(rb"<\s*svg[\s>]", re.IGNORECASE)
_SVG_ACTIVE = re.compile(rb"<\s*script|\son[a-z]+\s*=|javascript:|<\s*foreignObject", re.IGNORECASE)


@dataclass(frozen=True)
class Detected:
    media_type: str | None  # None: not recognised
    dangerous: str | None = None  # "executable", "html", "svg_script": refused whatever the allow-list


def _zip_type(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                declared = archive.read("[Content_Types].xml")[:1_000_000].decode("utf-8", "replace")
                for main, media_type in _OOXML_MAIN.items():
                    if f'ContentType="{main}"' in declared:
                        return media_type
                return "application/zip"
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if mimetype in _ODF:
                    return mimetype
            if any(n.lower().endswith((".exe", ".dll", ".class")) or n == "META-INF/MANIFEST.MF" for n in names):
                return "application/java-archive" if "META-INF/MANIFEST.MF" in names else "application/zip"
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, ValueError):
        return "application/zip"
    return "application/zip"


def _markup(data: bytes) -> Detected | None:
    head = data[:_MARKUP_SNIFF].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return None
    if _SVG.search(head) or _SVG.search(data[:262144]):
        active = _SVG_ACTIVE.search(data[:5_000_000]) is not None
        return Detected("image/svg+xml", "svg_script" if active else None)
    if _HTML.search(head):
        return Detected("text/html", "html")
    return Detected("application/xml")


def detect(data: bytes) -> Detected:
    """The media type of ``data`` by its content (and whether it is dangerous)."""
    if data.startswith(b"PK\x03\x04"):
        media_type = _zip_type(data)
        return Detected(media_type, "executable" if media_type in EXECUTABLES else None)
    if data.startswith(b"MZ") or data.startswith(b"\x7fELF") or data[:4] in (
            b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
        return Detected("application/x-executable", "executable")
    if data.startswith(b"#!"):
        return Detected("text/x-script", "executable")
    guessed = filetype.guess(data)
    if guessed is not None:
        return Detected(guessed.mime, "executable" if guessed.mime in EXECUTABLES else None)
    return _markup(data) or Detected(None)


@dataclass(frozen=True)
class FileType:
    media_type: str
    label: str
    extension: str
    preview: bool
    label_en: str = ""


@dataclass(frozen=True)
class FileTypePolicy:
    """The allow-list of media types and the size limit of one upload."""

    types: dict[str, FileType] = field(default_factory=dict)
    max_bytes: int = 50 * 1024 * 1024
    kinds: dict[str, str] = field(default_factory=lambda: {"evidence": "证据材料"})
    #: the kinds' English labels (the English pages; a kind without one shows its Chinese label)
    kinds_en: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None = None, max_bytes: int | None = None) -> "FileTypePolicy":
        document = json.loads(Path(path or DEFAULT_TYPES_FILE).read_text(encoding="utf-8"))
        types = {t["media_type"]: FileType(t["media_type"], t["label"], t["extension"], bool(t.get("preview")),
                                           t.get("label_en") or t["label"])
                 for t in document["types"]}
        return cls(types, int(max_bytes or document.get("max_bytes") or 50 * 1024 * 1024),
                   dict(document.get("kinds") or {"evidence": "证据材料"}), dict(document.get("kinds_en") or {}))

    def allowed(self) -> list[FileType]:
        return list(self.types.values())

    def check(self, data: bytes, field_name: str = "file") -> FileType:
        """The allowed type of ``data``, or :class:`Invalid` with a Chinese message."""
        if not data:
            raise Invalid("文件为空，请选择要上传的文件", "the file is empty", errors={field_name: "文件为空"})
        if len(data) > self.max_bytes:
            limit = f"{self.max_bytes / 1024 / 1024:.0f} MB"
            raise TooLarge(f"文件过大：单个文件不能超过 {limit}", f"the file exceeds the limit of {self.max_bytes} bytes",
                          errors={field_name: f"文件不能超过 {limit}"})
        found = detect(data)
        refusals = {
            "executable": ("不允许上传可执行程序或脚本", "executable content is refused"),
            "html": ("不允许上传网页（HTML）文件", "HTML content is refused"),
            "svg_script": ("不允许上传含有脚本的 SVG 图片", "SVG with script is refused"),
        }
        if found.dangerous:
            message, detail = refusals[found.dangerous]
            raise Invalid(message, detail, errors={field_name: message}, media_type=found.media_type)
        allowed = self.types.get(found.media_type or "")
        if allowed is None:
            names = "、".join(sorted({t.extension.upper() for t in self.types.values()}))
            message = f"不支持的文件类型（按文件内容识别），允许的类型：{names}"
            raise Invalid(message, f"file type {found.media_type or 'unknown'} is not on the allow-list",
                          errors={field_name: "不支持的文件类型"}, media_type=found.media_type)
        return allowed
