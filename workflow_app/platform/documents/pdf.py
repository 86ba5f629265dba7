"""DOCX -> PDF with LibreOffice headless (``soffice --convert-to pdf``), one private profile per conversion.

Why LibreOffice: it lays out Word documents faithfully (tables, fonts, page setup) and runs without a
display. Each run gets its own ``-env:UserInstallation`` profile directory, because two soffice processes
sharing a profile block each other or fail; each run has a timeout, after which the process group is
killed (docs/documents.md, PDF).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from workflow_app.platform.errors import ServiceUnavailable

DEFAULT_TIMEOUT_SECONDS = 120
_CANDIDATES = ("soffice", "libreoffice")


def converter_path() -> str | None:
    """The soffice executable (``CASEFLOW_SOFFICE`` overrides the search on PATH)."""
    configured = os.environ.get("CASEFLOW_SOFFICE")
    if configured:
        return configured if Path(configured).is_file() else None
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def docx_to_pdf(docx: bytes, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> bytes:
    """The PDF of a DOCX document; ServiceUnavailable when soffice is missing, fails or takes too long."""
    soffice = converter_path()
    if soffice is None:
        raise ServiceUnavailable("服务器未安装PDF转换程序（LibreOffice），暂不能生成PDF，请联系系统管理员",
                                 "soffice (LibreOffice) is not installed on the server")
    with tempfile.TemporaryDirectory(prefix="caseflow-pdf-") as work:
        work_dir = Path(work)
        source = work_dir / "document.docx"
        source.write_bytes(docx)
        profile = work_dir / "profile"
        command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                   "--nologo", "--nodefault", "--convert-to", "pdf", "--outdir", str(work_dir), str(source)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=work_dir,
                                   start_new_session=True, env={**os.environ, "HOME": str(work_dir)})
        try:
            _out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ServiceUnavailable("PDF转换超时，请稍后重试", f"soffice took longer than {timeout} s") from None
        result = work_dir / "document.pdf"
        if process.returncode != 0 or not result.is_file():
            raise ServiceUnavailable("PDF转换失败，请稍后重试或联系系统管理员",
                                     f"soffice exited with {process.returncode}: {err.decode(errors='replace')[-500:]}")
        return result.read_bytes()
