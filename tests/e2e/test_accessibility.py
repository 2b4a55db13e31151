"""WCAG 2.1 A/AA in a real browser: axe-core on every page, in Chinese and in English, as the
role that sees it, after the page's scripts have drawn their data. Residents include older
people, so the large-text mode is checked too: 18 px text and 44 px buttons.

The catalogue of pages and the scene that fills them live in tests/site_pages.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Page

from estates.models import User
from tests.conftest import World
from tests.e2e.conftest import visit
from tests.site_pages import PAGES, build_scene

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = "vendor/axe-core/4.14.1/axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LANGUAGES = ["zh-hans", "en"]


@pytest.fixture
def people(
    world: World, resident: User, neighbour: User, staff: User, property_staff: User, committee: User
) -> dict[str, User]:
    return {"resident": resident, "staff": staff, "property_staff": property_staff, "committee": committee}


@pytest.fixture
def scene(world: World, people: dict[str, User]) -> dict[str, Any]:
    return build_scene(world, people)


def open_as(
    page: Page, live_server: Any, signed_in: Any, people: dict[str, User], persona: str | None, lang: str
) -> None:
    """Sign in as the persona (if any) and choose the language the way the language form does."""
    if persona:
        signed_in(page, people[persona])
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}])


def axe_violations(page: Page, live_server: Any) -> list[dict[str, Any]]:
    """Run axe-core on the settled page (loaded from our own origin, as the CSP requires)."""
    page.add_script_tag(url=f"{live_server.url}{settings.STATIC_URL}{AXE}")
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => r.violations.map(v => ("
        "{id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')),"
        " count: v.nodes.length})))",
        WCAG,
    )


def report(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}, {v['count']} nodes): {v['help']}\n    " + "\n    ".join(v["targets"])
        for v in violations
    )


PERSONAS = sorted({page.persona or "" for page in PAGES})


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("persona", PERSONAS, ids=[p or "visitor" for p in PERSONAS])
def test_pages_have_no_wcag_a_or_aa_violations(
    page: Page,
    live_server: Any,
    signed_in: Any,
    people: dict[str, User],
    scene: dict[str, Any],
    persona: str,
    lang: str,
) -> None:
    """Every page the persona sees, in one browser session (the scene is built once: building
    it per page made this file the slowest of the suite); the report names each page."""
    open_as(page, live_server, signed_in, people, persona or None, lang)
    failures = []
    for site_page in (p for p in PAGES if (p.persona or "") == persona):
        visit(page, live_server.url + site_page.url(scene), f"a11y-{site_page.name}-{lang}")
        assert page.evaluate("document.documentElement.lang") == lang, site_page.name
        violations = axe_violations(page, live_server)
        if violations:
            failures.append(f"{site_page.name} ({lang}) breaks WCAG:\n{report(violations)}")
    assert not failures, "\n\n".join(failures)


LARGE_TEXT_CHECK = """() => {
  const body = parseFloat(getComputedStyle(document.body).fontSize);
  const small = [...document.querySelectorAll('button, a.button, input[type=submit]')]
    .filter(el => el.checkVisibility())
    .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect().height])
    .filter(([, height]) => height < 44);
  return {body, small};
}"""


@pytest.mark.parametrize(
    ("name", "lang"), [("request-new", "zh-hans"), ("project-detail-public", "en")], ids=["request-new", "project"]
)
def test_large_text_mode_keeps_wcag_and_gives_18px_text_and_44px_buttons(
    page: Page,
    live_server: Any,
    signed_in: Any,
    people: dict[str, User],
    scene: dict[str, Any],
    name: str,
    lang: str,
) -> None:
    site_page = next(p for p in PAGES if p.name == name)
    open_as(page, live_server, signed_in, people, site_page.persona, lang)
    url = live_server.url + site_page.url(scene)
    visit(page, url, f"a11y-{name}-before-large-text")
    page.locator("#large-text-toggle").click()
    assert page.evaluate("localStorage.getItem('huanxin.largeText')") == "1"
    visit(page, url, f"a11y-{name}-large-text")
    assert page.evaluate("document.documentElement.classList.contains('large-text')")
    assert page.locator("#large-text-toggle").get_attribute("aria-pressed") == "true"

    sizes = page.evaluate(LARGE_TEXT_CHECK)
    assert sizes["body"] >= 18, f"body text is {sizes['body']}px"
    assert not sizes["small"], "buttons under 44px tall:\n" + "\n".join(f"{h:.0f}px {el}" for el, h in sizes["small"])
    violations = axe_violations(page, live_server)
    assert not violations, f"{name} in large-text mode breaks WCAG:\n{report(violations)}"


def test_axe_reports_a_field_that_lost_its_label(page: Page, live_server: Any, world: World) -> None:
    """The checks above pass only because axe looked: break a label and it must say so."""
    visit(page, f"{live_server.url}/accounts/login/", "a11y-control")
    page.evaluate("document.querySelector('label[for=id_username]').remove()")
    assert "label" in {v["id"] for v in axe_violations(page, live_server)}
