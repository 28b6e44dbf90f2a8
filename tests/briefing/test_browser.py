"""briefing.html rendered by headless Chromium: a screenshot at desktop and phone width, a PDF
print, and the key text and figures read back from the rendered DOM."""

from __future__ import annotations

import html as html_lib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


def chromium() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


BROWSER = chromium()
needs_browser = pytest.mark.skipif(
    BROWSER is None,
    reason="headless Chromium is not installed (/usr/bin/chromium or chromium on PATH); "
    "`apt-get install -y chromium` or run .ci/run, which installs it",
)


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [
        BROWSER,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def text_of(dom: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:span|ul|code|table)>', dom, re.S)
    assert match, element_id
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split()


@needs_browser
def test_rendered_page_shows_the_figures(written, tmp_path):
    url = (written / "briefing.html").as_uri()
    dom = run_chromium(tmp_path, "--dump-dom", url).stdout
    assert text_of(dom, "headline-inspections") == ["3"]
    assert text_of(dom, "headline-cases") == ["25"]
    assert text_of(dom, "run-id") == ["20200401T000000Z-abc123"]
    strengths = " ".join(text_of(dom, "strengths"))
    assert "In all cases (100% of 22), inspectors answered yes" in strengths
    findings = " ".join(text_of(dom, "findings"))
    assert (
        "Female cases scored significantly higher than male cases on supporting the child's desistance "
        "(81% against 69%), 12 points; stratified by inspection"
    ) in findings
    rows = re.findall(r"<tr>(.*?)</tr>", re.search(r'id="table-key_questions".*?</table>', dom, re.S).group(0), re.S)
    cells = [
        [
            html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)
        ]
        for r in rows
    ]
    by_question = {r[0]: r for r in cells[1:]}
    assert by_question["2.1.1"][3:] == ["22", "77.3", "56.6", "89.9", "in around three-quarters of cases"]
    assert by_question["3.1.1"][3:] == ["[c]"] * 5
    characteristics = re.search(r'id="table-case_characteristics".*?</table>', dom, re.S).group(0)
    assert '<td>Female</td><td class="num">[c]</td>' in characteristics
    assert "Bram &lt;b&gt;ley&lt;/b&gt; | YOS" in dom  # submission text stays text in the live DOM
    assert dom.count("<img ") == 5


@needs_browser
@pytest.mark.parametrize(("width", "height"), [(1280, 2400), (390, 844)])
def test_screenshots_at_desktop_and_phone_width(written, tmp_path, width, height):
    shot = tmp_path / f"briefing-{width}.png"
    run_chromium(
        tmp_path,
        f"--screenshot={shot}",
        f"--window-size={width},{height}",
        "--hide-scrollbars",
        (written / "briefing.html").as_uri(),
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == width and int.from_bytes(data[20:24], "big") == height
    assert len(data) > 20_000  # a page with text and charts, not a blank


@needs_browser
def test_prints_to_pdf(written, tmp_path):
    pdf = tmp_path / "briefing.pdf"
    run_chromium(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", (written / "briefing.html").as_uri())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 3
