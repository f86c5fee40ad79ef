"""The safepip sidebar in a real JupyterLab, in headless Chromium."""

from __future__ import annotations

import re

import pytest

from .conftest import run_command, screenshot, set_theme, widen_sidebar
from tests.support.slow_index import SLOW_PROJECT, slow_download_index
from tests.support.waits import scaled_ms

pytestmark = [pytest.mark.ui, pytest.mark.integration]

PANEL = "#jp-safepip-sidebar"


def _open_with_the_palette(page) -> None:
    # The palette's own command, not its shortcut: a key pressed while JupyterLab re-themes can be lost.
    run_command(page, "apputils:activate-command-palette")
    palette = page.locator(".lm-CommandPalette-input")
    palette.wait_for(state="visible")
    palette.fill("Check a package before installing")
    page.locator(".lm-CommandPalette-item.lm-mod-active").wait_for()
    page.keyboard.press("Enter")
    page.locator(PANEL).wait_for(state="visible")


def _luminance(rgb: str) -> float:
    r, g, b = (int(x) for x in re.findall(r"\d+", rgb)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_check_a_typo_squat_from_the_sidebar(page, lab_server):
    set_theme(page, "JupyterLab Light")
    _open_with_the_palette(page)
    widen_sidebar(page)
    # The palette command puts the cursor in the package box: the whole check works from the keyboard.
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'jp-SafePip-spec'")
    page.keyboard.type("reqeusts")
    page.keyboard.press("Enter")

    report = page.locator(f"{PANEL} .jp-SafePip-report")
    report.wait_for()
    summary = report.locator(".jp-SafePip-summary").inner_text()
    assert re.search(r"BLOCKED|WARNING", summary, re.I), summary
    assert "pip install reqeusts" in summary
    card = report.locator('[aria-label^="reqeusts"]')
    assert card.locator(".jp-SafePip-finding-high").count() >= 1
    assert "Did you mean requests?" in card.locator(".jp-SafePip-didyoumean").first.inner_text()
    assert card.locator(".jp-SafePip-rule", has_text="name.typo").count() >= 1

    entry = page.locator(f"{PANEL} .jp-SafePip-historyEntry", has_text="reqeusts").first
    entry.wait_for()
    assert "checked only" in entry.inner_text()
    policy = page.locator(f"{PANEL} .jp-SafePip-policy")
    policy.wait_for()
    assert "block_at" in policy.inner_text() and "default" in policy.inner_text()
    screenshot(page, "sidebar-light")

    set_theme(page, "JupyterLab Dark")
    background = page.locator(PANEL).evaluate("e => getComputedStyle(e).backgroundColor")
    text = page.locator(f"{PANEL} .jp-SafePip-title").first.evaluate("e => getComputedStyle(e).color")
    assert _luminance(background) < 80 < _luminance(text), (background, text)
    screenshot(page, "sidebar-dark")
    set_theme(page, "JupyterLab Light")


def test_a_suggestion_is_checked_with_one_click(page, lab_server):
    run_command(page, "safepip:check-package")
    page.locator("#jp-SafePip-spec").fill("reqeusts")
    page.locator(f"{PANEL} .jp-SafePip-check").click()
    page.locator(f"{PANEL} .jp-SafePip-suggestion", has_text="requests").first.click()
    assert page.locator("#jp-SafePip-spec").input_value() == "requests"
    command = page.locator(f"{PANEL} .jp-SafePip-report .jp-SafePip-command")
    command.filter(has_text=re.compile(r"^pip install requests$")).wait_for()
    assert page.locator(f"{PANEL} .jp-SafePip-report .jp-SafePip-suggestion").count() == 0


def test_a_long_check_says_how_far_it_is_until_the_verdict(page, lab_server, tmp_path):
    run_command(page, "safepip:check-package")
    widen_sidebar(page)
    with slow_download_index(tmp_path / "wheels") as index:
        spec = page.locator("#jp-SafePip-spec")
        spec.fill(f"-i {index.url} {SLOW_PROJECT}")
        spec.press("Enter")
        line = page.locator(f"{PANEL} .jp-SafePip-progressLine", has_text=f"checking {SLOW_PROJECT} 1.0")
        line.wait_for(timeout=scaled_ms(60))
        report = page.locator(f"{PANEL} .jp-SafePip-report")
        assert report.count() == 0  # the line came first: the verdict is still to come
        screenshot(page, "sidebar-progress", PANEL)
        report.wait_for(timeout=scaled_ms(60))
    assert report.locator(".jp-SafePip-summary-allow").count() == 1
    assert report.locator(f'[aria-label="{SLOW_PROJECT} 1.0"]').count() == 1
    assert page.locator(f"{PANEL} .jp-SafePip-progressLine").count() == 0


def test_a_check_from_a_notebook_cell_shows_up_in_the_history(page, lab_server):
    run_command(page, "safepip:check-package")
    run_command(page, "notebook:create-new", {"kernelName": "python3"})
    cell = page.locator(".jp-Notebook .jp-Cell .cm-content").first
    cell.wait_for()
    cell.click()
    page.keyboard.type("%load_ext jupyter_safepip\n%safepip check tidyframe==1.2.0")
    page.keyboard.press("Shift+Enter")
    page.locator(".jp-OutputArea-output", has_text="safepip").first.wait_for(timeout=scaled_ms(90))

    # The sidebar polls: the kernel's entry appears without a reload, with where it came from.
    entry = page.locator(f"{PANEL} .jp-SafePip-historyEntry", has_text="tidyframe 1.2.0").first
    entry.wait_for(timeout=scaled_ms(30))
    entry.locator("summary").click()
    details = entry.inner_text()
    assert "magic" in details and "Untitled" in details, details
    screenshot(page, "sidebar-history-from-notebook")


ENTRIES = "[...document.querySelectorAll('#jp-safepip-sidebar .jp-SafePip-historyEntry')]"


def _wait_until_every_entry(page, condition: str) -> None:
    page.wait_for_function(f"() => {{ const l = {ENTRIES}; return l.length > 0 && l.every(e => {condition}); }}")


def test_history_filters(page, lab_server):
    run_command(page, "safepip:check-package")
    spec = page.locator("#jp-SafePip-spec")
    for name in ("reqeusts", "tidyutils==1.0.0"):
        spec.fill(name)
        spec.press("Enter")
        page.locator(f"{PANEL} .jp-SafePip-report .jp-SafePip-command", has_text=name).wait_for()
    history = page.locator(f"{PANEL} .jp-SafePip-historyList")
    history.locator(".jp-SafePip-historyEntry", has_text="tidyutils 1.0.0").first.wait_for()
    typo_verdict = "block" if history.locator(".jp-SafePip-card-block", has_text="reqeusts").count() else "warn"

    for label, verdict in (("Blocked", "block"), ("Warned", "warn"), ("Allowed", "allow")):
        button = page.get_by_role("button", name=label, exact=True)
        button.click()
        assert button.get_attribute("aria-pressed") == "true"
        if verdict == typo_verdict or verdict == "allow":  # the typo-squat, or the clean package, is there
            _wait_until_every_entry(page, f"e.classList.contains('jp-SafePip-card-{verdict}')")

    page.get_by_role("button", name="All", exact=True).click()
    page.locator(f"{PANEL} .jp-SafePip-packageFilter").fill("tidyu")
    # The package filter matches what was asked for and what came with it (tidyutils is a dependency of tidyframe).
    _wait_until_every_entry(page, "!e.textContent.includes('reqeusts')")
    assert history.locator(".jp-SafePip-historyEntry", has_text="tidyutils 1.0.0").count() >= 1
