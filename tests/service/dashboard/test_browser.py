"""The dashboard in a real browser: headless Debian Chromium driven by Playwright, against the
service started as its own process (``triage serve --no-worker``) on a seeded SQLite database.

Marked ``browser``; ``bash scripts/bootstrap.sh test`` installs Chromium and runs them. Without
a Chromium they skip, except under CI (``CI`` set), where that is a failure. Screenshots of
every page in every language go to ``artifacts/screenshots/`` (``TRIAGE_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

LOCALES = ("en", "ko", "ru", "tr")
NAV_CLIENTS = {"en": "Clients", "ko": "고객", "ru": "Клиенты", "tr": "Müşteriler"}
VIEWPORT = {"width": 1280, "height": 900}


def chromium_path() -> str:
    found = os.environ.get("TRIAGE_CHROMIUM") or shutil.which("chromium")
    if found:
        return found
    message = "no Chromium (bash scripts/bootstrap.sh test installs Debian's chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, served: tuple[str, Any]) -> Iterator[Any]:
    context = browser.new_context(
        base_url=served[0], viewport=VIEWPORT, locale="en-US", device_scale_factor=1
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page: Any, key: str) -> None:
    page.goto("/")
    assert "/login" in page.url
    page.get_by_label(re.compile("API key|API 키|API-ключ|API anahtarı")).fill(key)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))


def screenshot(page: Any, artifacts: Path, name: str) -> None:
    folder = artifacts / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


PAGES = ("clients", "client", "review", "overview")


def client_url(demo: Any, name: str = "Hostile Ltd") -> str:
    return f"/clients/{demo.clients[name]}"


def test_sign_in_red_client_first_and_evidence(page: Any, served: tuple[str, Any]) -> None:
    _url, demo = served
    sign_in(page, demo.admin_key)
    first = page.locator("table.clients tbody tr").first
    assert "Hostile Ltd" in first.inner_text()
    assert first.locator(".level-red").is_visible()
    first.get_by_role("link", name="Hostile Ltd").click()
    page.wait_for_url(re.compile(r"/clients/\d+"))
    assert page.get_by_role("heading", name="What to do").is_visible()
    message = page.locator("details.message", has_text="incompetent").first
    summary = message.locator(":scope > summary")
    summary.focus()
    page.keyboard.press("Enter")  # keyboard opens it
    evidence = message.locator("mark.evidence.ev-abuse").first
    assert evidence.is_visible()
    assert "Are you actually this incompetent" in evidence.inner_text()
    assert message.locator(".ev-tag", has_text="Abuse").first.is_visible()
    quoted = message.locator("details.fold", has_text="Quoted history")
    assert quoted.is_visible() and not quoted.locator("pre").is_visible()  # folded


def test_keyboard_reaches_skip_link_first(page: Any, served: tuple[str, Any]) -> None:
    sign_in(page, served[1].reader_key)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


def count_cell(page: Any, label: str, window: str = "90d") -> int:
    text = page.locator(f"td[data-label='{label}'][data-window='{window}']").inner_text()
    return int(text.split()[0])


def test_correction_in_review_changes_the_aggregate(page: Any, served: tuple[str, Any]) -> None:
    _url, demo = served
    sign_in(page, demo.admin_key)
    page.goto(client_url(demo, "Gloomy GmbH"))
    before = count_cell(page, "abuse")
    assert page.locator(".client-head .level-amber").is_visible()

    page.goto("/review?mode=new")
    item = page.locator("li.review-item", has=page.get_by_role("link", name="Gloomy GmbH")).first
    item.get_by_role("button", name="Add “Abuse”").click()
    notice = page.get_by_role("status").filter(has_text="Saved")
    assert "Gloomy GmbH" in notice.inner_text() and notice.locator(".level-red").is_visible()

    page.goto(client_url(demo, "Gloomy GmbH"))
    assert count_cell(page, "abuse") == before + 1
    assert page.locator(".client-head .level-red").is_visible()

    # Undo from the client page itself: the aggregate follows again.
    corrected = page.locator("details.message", has=page.locator(".chip-added")).first
    corrected.locator(":scope > summary").click()
    corrected.get_by_role("button", name="Remove “Abuse”").click()
    page.wait_for_url(re.compile(r"saved="))
    assert count_cell(page, "abuse") == before


def test_each_language_is_chosen_and_remembered(page: Any, served: tuple[str, Any]) -> None:
    sign_in(page, served[1].reader_key)
    for locale in LOCALES:
        page.locator(f"form.languages button[value='{locale}']").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == locale
        page.goto("/overview")  # remembered across pages
        assert page.locator("html").get_attribute("lang") == locale
        assert page.locator("nav[aria-label] a[href='/']").inner_text() == NAV_CLIENTS[locale]


def test_form_without_csrf_token_is_refused(page: Any, served: tuple[str, Any]) -> None:
    _url, demo = served
    sign_in(page, demo.admin_key)
    page.goto(client_url(demo, "Friendly Co"))
    form = page.locator("form.add-mapping")
    form.locator("input[name=csrf_token]").evaluate("input => input.remove()")
    form.get_by_label("Address or domain").fill("intruder@evil.example")
    form.get_by_role("button", name="Add").click()
    assert page.get_by_role("heading", name="Form refused").is_visible()
    page.goto(client_url(demo, "Friendly Co"))
    assert "intruder@evil.example" not in page.locator("#addresses").inner_text()


def test_accessibility_and_screenshots_of_every_page(
    page: Any, served: tuple[str, Any], artifacts_dir: Path
) -> None:
    """axe-core finds no serious or critical violation on any page, in any language; every
    page is photographed in every language."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    _url, demo = served
    paths = {
        "clients": "/",
        "client": client_url(demo),
        "review": "/review",
        "overview": "/overview",
    }
    problems = []
    page.goto("/login")
    for locale in LOCALES:
        page.context.clear_cookies()
        page.goto("/login")
        page.locator(f"form.languages button[value='{locale}']").click()
        page.wait_for_load_state()
        screenshot(page, artifacts_dir, f"{locale}-login")
        problems += _serious(axe.run(page).response, f"{locale} login")
        page.locator("#api_key").fill(demo.admin_key)
        page.locator("form[action='/login'] button[type=submit]").click()
        page.wait_for_url(re.compile(r"/$"))
        for name, path in paths.items():
            page.goto(path)
            if name == "client":
                message = page.locator("details.message", has_text="incompetent").first
                message.locator(":scope > summary").click()
            problems += _serious(axe.run(page).response, f"{locale} {name}")
            screenshot(page, artifacts_dir, f"{locale}-{name}")
    assert problems == []


def _serious(response: dict, where: str) -> list[str]:
    return [
        f"{where}: {v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']][:3]}"
        for v in response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
