"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Every page a test visits is saved as a screenshot under test-artifacts/screenshots/, and a
test fails on any console error, uncaught exception or CSP violation in the page.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

# Sync Playwright runs an event loop in this thread; Django refuses ORM calls from there
# unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@dataclass
class Console:
    """What a page reported: errors fail the test unless a test names them as expected."""

    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Expect console errors matching `pattern` (an API answering 400 on bad input logs one)."""
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium).")
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


def _watch(page: Page, console: Console) -> None:
    def on_console(message: Any) -> None:
        if message.type == "error":
            console.errors.append(f"console: {message.text} @ {message.location.get('url', '')}")
        elif "Content Security Policy" in message.text:
            console.errors.append(f"csp: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: console.errors.append(f"pageerror: {error}"))


def _open_page(browser: Browser, console: Console, **context_options: Any) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **context_options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    _watch(page, console)
    page.console = console  # type: ignore[attr-defined]
    yield page
    context.close()
    unexpected = console.unexpected()
    assert not unexpected, "The page reported errors:\n" + "\n".join(unexpected)


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser: Browser, console: Console) -> Iterator[Page]:
    """A desk-sized page in a fresh browser context (no cookies, no local storage)."""
    yield from _open_page(browser, console, viewport={"width": 1280, "height": 800})


@pytest.fixture
def phone_page(browser: Browser, console: Console) -> Iterator[Page]:
    """A 360px phone with touch, in a fresh browser context."""
    yield from _open_page(
        browser,
        console,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )


def settle(page: Page) -> None:
    """Wait until the page's scripts have fetched their data and drawn it."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => ![...document.querySelectorAll('[data-state=loading]')].some(el => el.checkVisibility())"
    )


def shoot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def visit(page: Page, url: str, name: str) -> Page:
    """Open a URL, wait for its data, save a screenshot and check the console is clean."""
    response = page.goto(url)
    assert response is not None and response.ok, f"{url} answered {response and response.status}"
    settle(page)
    shoot(page, name)
    unexpected = page.console.unexpected()  # type: ignore[attr-defined]
    assert not unexpected, f"{url} reported errors:\n" + "\n".join(unexpected)
    return page


def page_through(page: Page, url: str, items: str, *, per_page: int, total: int, name: str) -> None:
    """Open a list of two pages at `url`, follow its "next" link and then its "previous" link:
    each page shows its rows and says which page it is, a link shows only where there is a
    page, and the links keep the list's other query parameters (page 1 is `url` itself)."""
    visit(page, url, f"{name}-page-1")
    rows = page.locator(items)
    pager = page.locator("[data-pager]")
    expect(rows).to_have_count(per_page)
    expect(pager.locator("[data-page-label]")).to_have_text(re.compile(r"1\D+2"))
    expect(pager.locator("[data-prev]")).to_be_hidden()

    pager.locator("[data-next]").click()
    page.wait_for_url(url + ("&" if "?" in url else "?") + "page=2")
    settle(page)
    shoot(page, f"{name}-page-2")
    expect(rows).to_have_count(total - per_page)
    expect(pager.locator("[data-page-label]")).to_have_text(re.compile(r"2\D+2"))
    expect(pager.locator("[data-next]")).to_be_hidden()

    pager.locator("[data-prev]").click()
    page.wait_for_url(url)
    settle(page)
    expect(rows).to_have_count(per_page)
    expect(pager.locator("[data-page-label]")).to_have_text(re.compile(r"1\D+2"))


def sign_in(page: Page, base_url: str, username: str, *, password: str | None = None, next_url: str = "") -> None:
    """Sign in through the real login form (personas have the password "pw-<username>")."""
    url = f"{base_url}/accounts/login/" + (f"?next={quote(next_url)}" if next_url else "")
    page.goto(url)
    page.get_by_label(re.compile("Username|用户名")).fill(username)
    page.get_by_label(re.compile("Password|密码")).fill(password or f"pw-{username}")
    shoot(page, "login-phone" if (page.viewport_size or {}).get("width", 1280) < 600 else "login")
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    assert "/accounts/login/" not in page.url, f"sign-in as {username} failed"


@pytest.fixture
def signed_in(live_server: Any) -> Any:
    """signed_in(page, user) signs the user in through the login form of the live server."""

    def _sign_in(page: Page, user: Any, **kwargs: Any) -> Page:
        sign_in(page, live_server.url, user.username, **kwargs)
        return page

    return _sign_in
