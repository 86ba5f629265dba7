"""A figure's table as an .xlsx workbook (导出), text neutralised against spreadsheet formula injection."""
from __future__ import annotations

import io

from workflow_app.platform import clock


def table_xlsx(title: str, headers: list[str], rows: list[list], subtitle: str = "") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_title(title)
    sheet.append([f"{title} {subtitle}".strip() + f"（导出时间 {clock.now().astimezone(clock.CHINA_TZ):%Y-%m-%d %H:%M}）"])
    sheet.append([_cell(h) for h in headers])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(value) for value in row])
    for index in range(len(headers)):
        sheet.column_dimensions[sheet.cell(row=2, column=index + 1).column_letter].width = 24 if index == 0 else 14
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    # a sheet title is at most 31 characters and may not hold []:*?/\
    return "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Sheet"


def _cell(value):
    """Numbers stay numbers; text starting with = + - @ (a formula to a spreadsheet) is stored as text."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
