"""The warning widget in a real JupyterLab: a typo-squat install waits for a click, Cancel installs nothing."""

from __future__ import annotations

import pytest

from .conftest import run_command, screenshot, typo_squat_widget
from tests.support.waits import scaled_ms

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

    buttons = typo_squat_widget(page, NOTEBOOK)
    # The cell is still running: nothing is installed until a person decides.
    assert page.locator(f"{NOTEBOOK} .jp-Cell").nth(1).locator(".jp-InputPrompt").inner_text().strip() == "[*]:"
    screenshot(page, "widget", f"{NOTEBOOK} .jp-Cell:nth-child(2)")

    buttons.filter(has_text="Cancel").first.click()
    page.locator(f"{NOTEBOOK} .jp-OutputArea-output", has_text="Cancelled; nothing was installed").first.wait_for(timeout=scaled_ms(30))
    _run_cell(page, "import reqeusts")
    page.locator(f"{NOTEBOOK} .jp-OutputArea-output", has_text="ModuleNotFoundError").first.wait_for(timeout=scaled_ms(30))
