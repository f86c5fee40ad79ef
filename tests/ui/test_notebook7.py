"""The warning widget in Jupyter Notebook 7 (served by the same server as JupyterLab): same flow, other front end."""

from __future__ import annotations

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from .conftest import screenshot, typo_squat_widget
from tests.support.waits import scaled_ms

pytestmark = pytest.mark.ui

NOTEBOOK = ".jp-Notebook"
CELLS = ("%load_ext jupyter_safepip", "%pip install reqeusts", "import reqeusts")


def _run(page, index: int) -> None:
    """Run one cell with Shift+Enter, as a person would, and wait until the kernel has taken it."""
    cell = page.locator(f"{NOTEBOOK} .jp-Cell").nth(index)
    prompt = cell.locator(".jp-InputPrompt")
    for _ in range(3):  # a key pressed while Notebook 7 is still wiring the kernel up is dropped; press again
        try:
            cell.locator(".cm-content").click()
        except PlaywrightTimeoutError:
            dialogs = page.locator(".jp-Dialog")
            if dialogs.count():  # say what is in the way
                pytest.fail(f"a dialog covers cell {index}: {dialogs.first.inner_text()!r}", pytrace=False)
            raise
        page.keyboard.press("Shift+Enter")
        try:
            page.wait_for_function("(el) => el.textContent.trim() !== '[ ]:'", arg=prompt.element_handle(), timeout=scaled_ms(10))
            return
        except Exception:  # noqa: BLE001 - not taken yet
            continue
    pytest.fail(f"cell {index} was never run", pytrace=False)


def test_notebook7_shows_the_widget_and_cancel_installs_nothing(browser, lab_server):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code) for code in CELLS])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, lab_server.root_dir / "notebook7.ipynb")
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.set_default_timeout(scaled_ms(30))
    try:
        page.goto(lab_server.lab_url("notebooks/notebook7.ipynb"))
        assert page.evaluate("() => document.body.dataset.notebook") == "notebooks"  # Notebook 7's page, not Lab's
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=scaled_ms(60))
        _run(page, 0)
        page.locator(f"{NOTEBOOK} .jp-Cell").nth(0).locator(".jp-InputPrompt", has_text="[1]").wait_for()
        _run(page, 1)

        buttons = typo_squat_widget(page, NOTEBOOK)
        screenshot(page, "widget-notebook7", f"{NOTEBOOK} .jp-Cell:nth-child(2)")

        buttons.filter(has_text="Cancel").first.click()
        page.locator(f"{NOTEBOOK} .jp-OutputArea-output", has_text="Cancelled; nothing was installed").first.wait_for()
        _run(page, 2)
        page.locator(f"{NOTEBOOK} .jp-OutputArea-output", has_text="ModuleNotFoundError").first.wait_for()
    finally:
        context.close()
