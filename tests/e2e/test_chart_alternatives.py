"""Every chart has a table alternative with the same figures.

Each page that draws an ECharts chart is opened in Chromium as the person who sees its charts;
for every chart on it, the table right after it (in a <details>) must hold the chart's own
categories and values, under a caption that the chart also gives screen readers. The chart
containers of the templates must all have been seen drawn, so a new chart cannot go untested.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from estates.models import Community, Estate, Organisation, User
from renovations.models import Project
from tests.conftest import World
from tests.e2e import test_journeys as journeys
from tests.e2e.conftest import visit

ROOT = Path(__file__).resolve().parents[2]

categories = journeys.categories
office = journeys.office

# What a chart draws, and the table after it, read from the page.
CHARTS = """
() => [...document.querySelectorAll('[_echarts_instance_]')].map(el => {
  const option = echarts.getInstanceByDom(el).getOption();
  const value = v => v === null || v === undefined || v === '-' ? null
    : (typeof v === 'object' && !Array.isArray(v) ? value(v.value) : Number(v));
  const axis = [...(option.xAxis || []), ...(option.yAxis || [])].find(a => a.type === 'category');
  const details = el.nextElementSibling && el.nextElementSibling.matches('details[data-chart-table]')
    ? el.nextElementSibling : null;
  const table = details && details.querySelector('table');
  const text = node => node ? node.textContent.trim() : '';
  return {
    id: el.id,
    drawn: el.querySelector('svg') !== null,
    described: [el, ...el.querySelectorAll('[aria-label]')].map(node => node.getAttribute('aria-label')).join(' '),
    categories: axis ? axis.data.map(c => String(typeof c === 'object' ? c.value : c)) : null,
    series: option.series.map(s => ({
      type: s.type,
      name: s.name || '',
      data: (s.data || []).map(d => s.type === 'pie' ? [String(d.name), value(d)] : value(d)),
    })),
    table: table && {
      summary: text(details.querySelector('summary')),
      caption: text(table.caption),
      headings: [...table.tHead.rows[0].cells].map(text),
      rows: [...table.tBodies[0].rows].map(row => [...row.cells].map(text)),
    },
  };
})
"""


def figure(cell: str) -> Decimal | None:
    """A number as the table shows it ("1,234.5", "92", "86.5 (12.3%)"), or None for "–"."""
    shown = cell.split("(")[0].strip()
    if shown in ("", "–"):
        return None
    return Decimal(re.sub(r"[^\d.\-]", "", shown))


def same(value: float | None, cell: str) -> bool:
    number = figure(cell)
    if value is None or number is None:
        return value is None and number is None
    return abs(Decimal(str(value)) - number) < Decimal("0.005")


def check_alternatives(page: Page, expected: set[str]) -> dict[str, dict[str, Any]]:
    """Every chart of the page has its table with the same figures; returns the charts by id."""
    page.wait_for_function("() => typeof echarts !== 'undefined'")
    charts = {chart["id"]: chart for chart in page.evaluate(CHARTS)}
    assert expected <= set(charts), f"charts drawn: {sorted(charts)}"
    for chart_id, chart in charts.items():
        table = chart["table"]
        assert chart["drawn"], chart_id
        assert table, f"{chart_id} has no table alternative"
        assert table["caption"] and table["summary"], chart_id
        assert table["caption"] in chart["described"], (chart_id, chart["described"])
        series = chart["series"]
        if series and series[0]["type"] == "pie":
            assert [row[0] for row in table["rows"]] == [name for name, _value in series[0]["data"]], chart_id
            for (_name, value), row in zip(series[0]["data"], table["rows"], strict=True):
                assert same(value, row[1]), (chart_id, value, row)
            continue
        assert len(table["headings"]) == 1 + len(series), (chart_id, table["headings"])
        for heading, line in zip(table["headings"][1:], series, strict=True):
            assert not line["name"] or heading == line["name"], (chart_id, heading, line["name"])
        assert [row[0] for row in table["rows"]] == chart["categories"], (chart_id, table["rows"])
        for index, row in enumerate(table["rows"]):
            for line, cell in zip(series, row[1:], strict=True):
                assert same(line["data"][index], cell), (chart_id, row[0], line["name"], line["data"][index], cell)
    return charts


def row_of(chart: dict[str, Any], category: str) -> list[str]:
    return next(row for row in chart["table"]["rows"] if row[0] == category)


def template_charts() -> set[str]:
    """The chart containers of the templates (an included partial's {{ key }} filled in)."""
    ids: set[str] = set()
    templates = list((ROOT / "templates").rglob("*.html"))
    keys = {key for path in templates for key in re.findall(r'_dash_compare\.html" with key="(\w+)"', path.read_text())}
    for path in templates:
        for found in re.findall(r'class="chart" id="([^"]+)"', path.read_text()):
            ids |= {found.replace("{{ key }}", key) for key in keys} if "{{ key }}" in found else {found}
    return ids


def test_only_the_chart_module_draws_charts() -> None:
    """Pages draw through static/js/charts.js, which puts a table after every chart it draws."""
    drawing = [
        path.name
        for path in (ROOT / "static" / "js").glob("*.js")
        if re.search(r"\becharts\.(init|getInstanceByDom)|window\.echarts", path.read_text())
    ]
    assert drawing == ["charts.js"]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_every_chart_has_a_table_with_the_same_figures(
    page: Page,
    live_server: Any,
    world: World,
    staff: User,
    street_admin: User,
    office: dict[str, Any],
    signed_in: Any,
) -> None:
    # A second community on the street, with its own estate and company, for the comparisons.
    quiet = Community.objects.create(street=world.street, name="桃北社区")
    quiet_estate = Estate.objects.create(community=quiet, name="桃园小区", management_mode="property_company")
    quiet_company = Organisation.objects.create(kind="property_company", name="桃园物业", community=quiet)
    quiet_company.estates.add(quiet_estate)
    journeys.published(quiet_estate, quiet_company, 1, "78.00")
    seen: set[str] = set()

    # Community staff: the grades of their estates and their projects by stage, kind and money.
    signed_in(page, staff)
    visit(page, f"{live_server.url}/", "charts-dashboard-staff")
    charts = check_alternatives(page, {"staff-grades-chart", "chart-status", "chart-kind", "chart-money"})
    seen |= set(charts)
    assert row_of(charts["chart-status"], journeys.label(Project.Status.CONSTRUCTION))[1] == "1"
    assert row_of(charts["chart-kind"], journeys.label(Project.Kind.LIFT))[1] == "1"
    assert row_of(charts["chart-money"], "政府补贴")[1:] == ["0", "550,000"]
    assert [row[1] for row in charts["staff-grades-chart"]["table"]["rows"]] == ["86.5", "92"]
    page.locator("#chart-money + details summary").click()
    expect(page.locator("#chart-money + details table")).to_be_visible()

    # A street admin: communities and companies compared by open and overdue requests.
    page.context.clear_cookies()
    signed_in(page, street_admin)
    visit(page, f"{live_server.url}/", "charts-dashboard-street-admin")
    charts = check_alternatives(page, {"area-communities-chart", "area-companies-chart"})
    seen |= set(charts)
    assert row_of(charts["area-communities-chart"], "小阳泉北社区")[1:] == ["2", "1"]
    assert row_of(charts["area-companies-chart"], "桃园物业")[1:] == ["0", "0"]

    # The public: an estate's published grades, and a company's grades over time.
    page.context.clear_cookies()
    visit(page, f"{live_server.url}/estates/{world.estate.pk}/", "charts-estate-public")
    charts = check_alternatives(page, {"estate-grade-chart"})
    seen |= set(charts)
    assert [row[1] for row in charts["estate-grade-chart"]["table"]["rows"]] == ["86.5", "92"]
    page.locator("#estate-grade a[href^='/ratings/companies/']").click()
    page.wait_for_url(re.compile(r"/ratings/companies/\?area=community-\d+$"))
    visit(page, page.url, "charts-ratings-companies")
    page.locator(f"#ranking tr[data-company-id='{world.property_org.pk}'] button").click()
    expect(page.locator("#company-trend-chart svg")).to_be_visible()
    charts = check_alternatives(page, {"company-trend-chart"})
    seen |= set(charts)
    assert [row[1:] for row in charts["company-trend-chart"]["table"]["rows"]] == [["86.5"], ["92"]]

    assert seen == template_charts()
