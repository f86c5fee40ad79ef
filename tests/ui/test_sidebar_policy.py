"""The sidebar's policy table in a real JupyterLab: its column headers stay whole however narrow the panel."""

from __future__ import annotations

import pytest

from .conftest import run_command
from tests.support.waits import scaled

pytestmark = [pytest.mark.ui, pytest.mark.integration]

PANEL = "#jp-safepip-sidebar"
# Each header cell of a copy of the table at `width` px, with JupyterLab's own styles: its text and the
# number of lines it takes ("Settin" over "g" is two).
HEADER_LINES = """([selector, width]) => {
  const box = document.createElement('div');
  box.className = 'jp-SafePip';
  box.style.cssText = `position: absolute; left: 0; top: 0; width: ${width}px`;
  box.appendChild(document.querySelector(selector).cloneNode(true));
  document.body.appendChild(box);
  try {
    return Array.from(box.querySelectorAll('thead th')).filter(th => !th.querySelector('.jp-SafePip-visuallyHidden')).map(th => {
      const range = document.createRange();
      range.selectNodeContents(th);
      const lines = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
      return [th.innerText.trim(), lines.size, th.scrollWidth <= th.clientWidth];
    });
  } finally {
    box.remove();
  }
}"""


def test_policy_headers_are_never_cut_inside_a_word(page, lab_server):
    run_command(page, "safepip:check-package")
    policy = page.locator(f"{PANEL} .jp-SafePip-policy")
    policy.locator("tbody tr").first.wait_for(timeout=scaled(30) * 1000)
    for width in (260, 320):  # the panel's min-width, and a little more
        headers = page.evaluate(HEADER_LINES, [f"{PANEL} .jp-SafePip-policy", width])
        assert [h[0] for h in headers] == ["Setting", "Value", "Set by"], headers
        assert all(lines == 1 and fits for _, lines, fits in headers), (width, headers)
