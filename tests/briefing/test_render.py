"""briefing.html and briefing.md from the crafted input, read as text (the browser test renders it)."""

from __future__ import annotations

import base64
import re

from yotbench.briefing.charts import OKABE_ITO, area_chart, gap_chart, spread_chart
from yotbench.briefing.render import cell, md
from yotbench.briefing.tables import PValue, _p_value, build_briefing


def test_html_is_self_contained_and_accessible(written):
    html = (written / "briefing.html").read_text(encoding="utf-8")
    assert '<html lang="en-GB">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "@media print" in html
    assert "<script" not in html and "<link" not in html
    sources = re.findall(r'<img src="([^"]*)" alt="([^"]*)"', html)
    assert len(sources) == html.count("<img")  # every image has alt text
    assert len(sources) == 5  # three areas with figures (joint working has none), gaps, benchmark spread
    for src, alt in sources:
        assert src.startswith("data:image/svg+xml;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"<?xml")
        assert len(alt) > 40


def test_html_escapes_submission_text(written):
    html = (written / "briefing.html").read_text(encoding="utf-8")
    assert "Bram &lt;b&gt;ley&lt;/b&gt; | YOS" in html
    assert "<b>ley" not in html
    assert "=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)" in html


def test_markdown_holds_the_same_findings_and_escapes_text(written):
    text = (written / "briefing.md").read_text(encoding="utf-8")
    assert text.startswith(
        "# Youth offending services inspection (12 standards): aggregate briefing, 1 April 2019 to 31 March 2020\n"
    )
    assert "- **Cases:** 25" in text
    assert "| yos\\-00003 |" not in text  # hyphens are left alone
    assert "| yos-00003 | Bram \\<b\\>ley\\</b\\> \\| YOS | 2020-01-06 | 2020-01-10 | 3 | 31 | Outstanding |" in text
    assert "- There were no statistically significant differences by ethnic group." in text
    assert (
        "| 2.1.1 | 2.1 Assessment | Does assessment sufficiently analyse how to support the child's desistance? | 22 | 77.3 | 56.6 | 89.9 |"
        in text
    )
    assert "| Gender | Female | [c] | [c] |" in text
    # p-values as the findings write them, not to one decimal place like other figures (0.0)
    assert "| Gender | Area | desistance | Female | 81.0 | Male | 68.6 | 12.4 | 0.010 |" in text


def test_p_values_are_written_to_three_decimals_or_as_below_0_001():
    assert [cell(PValue(p)) for p in (0.0104, 0.04, 0.0009, 2.13e-05)] == ["0.010", "0.040", "< 0.001", "< 0.001"]
    assert cell(0.0104) == "0.0"  # why a table marks its p-values
    # the spreadsheets keep three significant figures, so a small p-value is not shown as 0
    assert [_p_value(p) for p in (0.0104321, 2.13456e-05)] == [0.0104, 2.13e-05]


def test_md_escaping():
    assert md("[a](http://x) <b>|</b> *x* [c] a_b") == r"[a]\(http://x) \<b\>\|\</b\> \*x\* [c] a\_b"


def test_charts_have_titles_axes_alt_text_and_safe_colours(frames, yos):
    briefing = build_briefing(frames, yos, threshold=5, suppress_per_inspection=False, min_gap_pp=5)
    desistance = briefing.sections[0]
    chart = area_chart(desistance)
    svg = chart.svg.decode()
    assert "Supporting the child's desistance" in svg or "Supporting the child&#39;s desistance" in svg
    assert "% of relevant cases answered yes" in svg
    assert "Key question" in svg
    assert OKABE_ITO[0].lower() in svg.lower()
    assert chart.alt == (
        "Bar chart of key questions in Supporting the child's desistance, % of relevant cases answered yes. "
        "2.1.1 Assessment: 77% (95% CI 57 to 90); 2.2.1 Planning: 100% (95% CI 85 to 100). "
        "Not shown because built from too few cases: 3.1.1."
    )
    gaps = gap_chart(briefing.gaps)
    assert "Gaps by case characteristic" in gaps.svg.decode()
    assert gaps.alt == (
        "Dot chart of percentage-point gaps between groups of cases. supporting the child's desistance, gender "
        "(female minus male): +12.4 points, significant; supporting the child's desistance, ethnic group "
        "(minority ethnic minus white): -1.5 points, not significant."
    )
    spread = spread_chart(briefing.spread)
    assert "Benchmark spread across inspections" in spread.svg.decode()
    assert spread.alt.startswith(
        "Range chart of each measure across inspections. Key question 2.1.1: lowest 67%, "
        "highest 82%, average 74% (2 inspections);"
    )
    # the area with no figures at all has no chart
    assert area_chart(briefing.sections[3]) is None


def _spread(inspections: int, measures: int = 3):
    """A spread frame: `inspections` values per measure, 0..100 in turn."""
    import pandas as pd

    return pd.DataFrame(
        {
            "measure": [f"Key question 2.{m}.1" for m in range(measures) for _ in range(inspections)],
            "value": [float(i % 101) for _ in range(measures) for i in range(inspections)],
        }
    )


def test_spread_chart_draws_dense_dots_as_one_image():
    # 3 x 700 = 2,100 dots: past DENSE_DOTS the dots are one embedded PNG, axes and text stay vector
    dense = spread_chart(_spread(700))
    svg = dense.svg.decode()
    assert svg.count("<image") == 1 and "data:image/png;base64," in svg
    assert "Benchmark spread across inspections" in svg  # the title is still text
    assert len(dense.svg) < 60_000  # 18 KB here; as 2,100 vector markers it is 318 KB
    assert "Key question 2.0.1: lowest 0%, highest 100%, average 50% (700 inspections)" in dense.alt
    # at or below DENSE_DOTS every dot is a vector marker, no image
    sparse = spread_chart(_spread(600))
    assert "<image" not in sparse.svg.decode()
    assert sparse.svg.decode().count('xlink:href="#') >= 1800  # one <use> per dot


def test_one_inspection_is_said_in_the_singular(frames, yos):
    from yotbench.briefing.render import context

    frames.inspections = frames.inspections.iloc[:1]
    briefing = build_briefing(frames, yos, threshold=5, suppress_per_inspection=False, min_gap_pp=5)
    intro = context(briefing, {}, [])["intro"]
    assert intro.startswith("This briefing summarises the findings of the 1 inspection whose fieldwork ended ")
    assert "(1 inspection);" in spread_chart(_spread(1)).alt
