"""The warning widget in a real JupyterLab: a typo-squat install waits for a click, Cancel installs nothing."""

from __future__ import annotations

import pytest

from .conftest import run_command, screenshot

pytestmark = pytest.mark.ui


NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"  # the notebook in front (others may be open)


def _run_cell(page, code: str) -> None:
    cell = page.locator(f"{NOTEBOOK} .jp-Cell").last.locator(".cm-content")
    cell.click()
    page.keyboard.type(code)
    page.keyboard.press("Shift+Enter")


def test_typo_squat_shows_the_widget_and_cancel_installs_nothing(page, lab_server):
    run_command(page, "notebook:create-new", {"kernelName": "python3"})
    page.locator(f"{NOTEBOOK} .jp-Cell .cm-content").first.wait_for()
    _run_cell(page, "%load_ext jupyter_safepip")
    _run_cell(page, "%pip install reqeusts")

    widget = page.locator(f"{NOTEBOOK} .safepip-report").first
    widget.wait_for(timeout=120_000)
    text = widget.inner_text()
    assert "blocked" in text and "name.typo" in text and "did you mean" in text.lower()
    buttons = page.locator(f"{NOTEBOOK} .jp-OutputArea-output button")
    assert buttons.filter(has_text="Install anyway").count() == 1
    assert buttons.filter(has_text="Did you mean requests?").count() == 1
    # The cell is still running: nothing is installed until a person decides.
    assert page.locator(f"{NOTEBOOK} .jp-Cell").nth(1).locator(".jp-InputPrompt").inner_text().strip() == "[*]:"
    screenshot(page, "widget", f"{NOTEBOOK} .jp-Cell:nth-child(2)")

    buttons.filter(has_text="Cancel").first.click()
    page.locator(f"{NOTEBOOK} .jp-OutputArea-output", has_text="Cancelled; nothing was installed").first.wait_for(timeout=30_000)
    _run_cell(page, "import reqeusts")
    page.locator(f"{NOTEBOOK} .jp-OutputArea-output", has_text="ModuleNotFoundError").first.wait_for(timeout=30_000)
