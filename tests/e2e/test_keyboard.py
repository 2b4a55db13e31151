"""A resident who cannot use a mouse: signs in, files a request and opens it with the keyboard
alone (Tab, Shift+Tab, arrows, Space, Enter and typing), and sees where the focus is on every
control reached on the way."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from estates.models import User
from governance.models import RequestCategory, ResidentRequest
from tests.conftest import World
from tests.e2e.conftest import settle, shoot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The focused control, or the tile or label that draws its focus ring (a radio hidden inside a
# tile, the file input behind its label button): does it show an outline or a ring?
FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {ok: false, what: 'nothing focused'};
  const next = el.nextElementSibling;
  const candidates = [el, el.closest('label'), next && next.matches('label') ? next : null];
  const shown = candidates.filter(Boolean).some(c => {
    const s = getComputedStyle(c);
    return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || (s.boxShadow && s.boxShadow !== 'none');
  });
  return {ok: shown && el.matches(':focus-visible'), what: el.outerHTML.slice(0, 100)};
}"""


class Keyboard:
    """Moves the focus with Tab and checks every stop shows it, as a sighted keyboard user needs."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.stops: list[str] = []

    def check_focus(self) -> None:
        state = self.page.evaluate(FOCUS_SHOWN)
        assert state["ok"], f"the focus is not visible on {state['what']}"
        self.stops.append(state["what"])

    def tab_to(self, selector: str, *, back: bool = False, limit: int = 80) -> None:
        """Press Tab (or Shift+Tab) until the focus is on `selector`, checking each stop."""
        key = "Shift+Tab" if back else "Tab"
        for _ in range(limit):
            self.page.keyboard.press(key)
            if self.page.evaluate("document.activeElement === document.body"):
                continue  # past the end of the page, on the browser's own controls
            self.check_focus()
            if self.page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"{key} never reached {selector}")


def test_resident_signs_in_files_a_request_and_opens_it_with_the_keyboard_alone(
    page: Page, live_server: Any, world: World, resident: User
) -> None:
    RequestCategory.objects.get_or_create(
        code="plumbing",
        defaults={"name_zh": "上下水与排污", "name_en": "Plumbing and sewage", "take_within": 24, "resolve_within": 48},
    )
    keys = Keyboard(page)
    page.goto(f"{live_server.url}/accounts/login/?next=/requests/new/")

    # The form puts the focus in the username field.
    expect(page.locator("[name=username]")).to_be_focused()
    page.keyboard.type("resident")
    keys.tab_to("[name=password]")
    page.keyboard.type("pw-resident")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url("**/requests/new/")
    settle(page)

    # The skip link comes first and takes the focus past the header to the page itself.
    page.keyboard.press("Tab")
    keys.check_focus()
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    # 1. The category: Tab into the group, arrows move through it, Space chooses.
    keys.tab_to("input[name=category]")
    first = page.evaluate("document.activeElement.value")
    page.keyboard.press("ArrowRight")
    keys.check_focus()
    page.keyboard.press("ArrowLeft")
    keys.check_focus()
    assert page.evaluate("document.activeElement.value") == first
    for _ in range(20):
        if page.evaluate("document.activeElement.value") == "plumbing":
            break
        page.keyboard.press("ArrowRight")
        keys.check_focus()
    page.keyboard.press("Space")
    expect(page.locator("input[name=category][value=plumbing]")).to_be_checked()

    # 2. The place: the resident's home is chosen for them; Space keeps it.
    keys.tab_to("input[name=place_kind]")
    expect(page.locator("input[name=place_kind][value=household]")).to_be_checked()

    # 3. The description, typed.
    keys.tab_to("#description")
    page.keyboard.type("厨房下水道堵了，水漫出来了")
    expect(page.locator("[data-counter]")).to_contain_text("13")

    # Back once with Shift+Tab to check the place, then on to the send button (no photo).
    keys.tab_to("input[name=place_kind]", back=True)
    keys.tab_to("#description")
    keys.tab_to("#request-form button[type=submit]")
    shoot(page, "keyboard-request-filled")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/requests/\d+/\?filed=1$"))
    settle(page)
    filed = ResidentRequest.objects.get(description="厨房下水道堵了，水漫出来了")
    assert (filed.category.code, filed.place_kind, filed.household_id) == ("plumbing", "household", world.household.pk)

    # Open it again from "My requests", still by keyboard.
    keys.tab_to(".req-tabs a[href='/requests/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/requests/")
    settle(page)
    keys.tab_to(f"a[href^='/requests/{filed.pk}/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/requests/{filed.pk}/")
    settle(page)
    expect(page.get_by_text("厨房下水道堵了，水漫出来了")).to_be_visible()
    shoot(page, "keyboard-request-opened")
    assert len(keys.stops) >= 10
