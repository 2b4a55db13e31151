"""Page weight: what a page of ours makes a phone download, on a slow connection, before it works.

For every page of tests/site_pages.py, rendered as the persona that sees it: the page's own
stylesheets and module scripts (under static/, outside static/vendor/) and every ES module they
import, gzip-compressed, stay within a budget. ECharts (≈1 MB) is referenced only by the pages
that draw a chart.
"""

from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from estates.models import User
from tests.conftest import World
from tests.site_pages import PAGES, build_scene

STATIC = Path(settings.BASE_DIR) / "static"
BUDGET = 60 * 1024  # bytes, gzip-compressed
# `import {…} from "./x.js"` (over several lines too) and `import "./x.js"`.
IMPORT = re.compile(r"""\bimport\s+(?:[^'";]*?\bfrom\s*)?["'](\.{1,2}/[^"']+)["']""", re.S)
PERSONAS = ("resident", "staff", "property_staff", "committee")


class Assets(HTMLParser):
    """The stylesheets and scripts a page references, and whether it has a chart container."""

    def __init__(self) -> None:
        super().__init__()
        self.modules: list[str] = []
        self.classic: list[str] = []
        self.styles: list[str] = []
        self.has_chart = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            (self.modules if a.get("type") == "module" else self.classic).append(a["src"] or "")
        elif tag == "link" and a.get("rel") == "stylesheet" and a.get("href"):
            self.styles.append(a["href"] or "")
        if "chart" in (a.get("class") or "").split():
            self.has_chart = True


def static_file(url: str) -> Path | None:
    """The file under static/ that a /static/ URL names, or None for a vendored or foreign one."""
    prefix = settings.STATIC_URL
    if not url.startswith(prefix):
        return None
    relative = url[len(prefix) :].split("?")[0]
    if relative.startswith("vendor/"):
        return None
    return STATIC / relative


def module_graph(entries: list[Path]) -> set[Path]:
    """The modules and every module they import, followed statically."""
    seen: set[Path] = set()
    todo = list(entries)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        for target in IMPORT.findall(module.read_text(encoding="utf-8")):
            todo.append((module.parent / target).resolve())
    return seen


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


@pytest.fixture
def pages_html(
    world: World, resident: User, staff: User, property_staff: User, committee: User, neighbour: User
) -> dict[str, str]:
    """Every page rendered by the Django test client as its persona."""
    people = {"resident": resident, "staff": staff, "property_staff": property_staff, "committee": committee}
    scene = build_scene(world, people)
    clients: dict[str | None, Client] = {None: Client()}
    for name in PERSONAS:
        clients[name] = Client()
        clients[name].force_login(people[name])
    rendered = {}
    for page in PAGES:
        response = clients[page.persona].get(page.url(scene), follow=True)
        assert response.status_code == 200, f"{page.name} answered {response.status_code}"
        rendered[page.name] = response.content.decode()
    return rendered


def weigh(html: str) -> tuple[int, Assets, list[Path]]:
    assets = Assets()
    assets.feed(html)
    own = [p for p in map(static_file, assets.styles) if p]
    modules = [p for p in map(static_file, assets.modules) if p]
    files = sorted({*own, *module_graph([m.resolve() for m in modules])})
    return sum(gzipped(f) for f in files), assets, files


def test_every_page_ships_its_own_scripts_and_styles_within_60_kb_gzipped(pages_html: dict[str, str]) -> None:
    weights = {}
    for name, html in pages_html.items():
        total, _assets, files = weigh(html)
        assert files, f"{name} references none of our scripts or styles"
        assert all(f.is_file() for f in files), f"{name} references a missing file: {files}"
        weights[name] = total
    heaviest = sorted(weights.items(), key=lambda item: -item[1])
    print("\nheaviest pages (gzip):", ", ".join(f"{n} {w / 1024:.1f} KB" for n, w in heaviest[:3]))
    over = {name: weight for name, weight in weights.items() if weight > BUDGET}
    assert not over, f"over the {BUDGET // 1024} KB budget: {over}"


def test_only_pages_with_a_chart_load_echarts(pages_html: dict[str, str]) -> None:
    with_chart = set()
    for name, html in pages_html.items():
        _total, assets, _files = weigh(html)
        loads = any("vendor/echarts/" in src for src in assets.classic + assets.modules)
        assert loads == assets.has_chart, f"{name}: chart {assets.has_chart}, ECharts loaded {loads}"
        if loads:
            with_chart.add(name)
    assert {"estate-detail", "rating-companies", "dashboard-staff"} <= with_chart
    assert "dashboard-resident" not in with_chart


def test_the_import_follower_finds_multi_line_imports() -> None:
    graph = module_graph([(STATIC / "js" / "estate-manage.js").resolve()])
    assert {STATIC / "js" / "dom.js", STATIC / "js" / "api.js"} <= graph


def test_every_page_template_is_in_the_catalogue() -> None:
    """A page template that no catalogue entry renders would escape both checks."""
    templates = {
        p.stem
        for p in (Path(settings.BASE_DIR) / "templates").glob("*/*.html")
        if not p.name.startswith("_") and p.parent.name not in {"drf_spectacular"}
    }
    covered = {page.name for page in PAGES}
    template_of = {
        "home_public": "home-public",
        "home_dashboard": "dashboard-resident",
        "login": "login",
        "register": "register",
        "privacy_notice": "privacy-notice",
        "estate_list": "estate-list",
        "estate_detail": "estate-detail",
        "estate_manage": "estate-manage",
        "household_import": "household-import",
        "registry": "registry",
        "project_list": "project-list-public",
        "project_detail": "project-detail-public",
        "project_form": "project-new",
        "project_print": "project-print",
        "request_list": "request-list",
        "request_new": "request-new",
        "request_detail": "request-detail",
        "request_queue": "request-queue",
        "request_approvals": "request-approvals",
        "request_overview": "request-overview",
        "disputes_list": "dispute-list",
        "disputes_new": "dispute-new",
        "disputes_detail": "dispute-detail",
        "notices_list": "notice-list-public",
        "notices_detail": "notice-detail-public",
        "notices_form": "notice-new",
        "notification_list": "notification-list",
        "notification_preferences": "notification-preferences",
        "my_privacy": "my-privacy",
        "ratings_companies": "rating-companies",
        "ratings_manage": "rating-manage",
        "ratings_score": "rating-score",
        "meeting_list": "meeting-list-public",
        "meeting_new": "meeting-new",
        "meeting_detail": "meeting-detail",
        "meeting_run": "meeting-run",
        "meeting_minutes": "meeting-minutes-public",
    }
    assert templates == set(template_of), templates ^ set(template_of)
    assert set(template_of.values()) <= covered
