"""Renders the movement-test pictures (SVG, for the website) to PNG (for WhatsApp, which only
takes JPEG or PNG images). Run after changing an SVG; the PNGs are committed.

    .venv/bin/python -m scripts.render_test_images
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

IMAGES = Path(__file__).resolve().parent.parent / "web" / "public" / "images" / "tests"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def main() -> int:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 640, "height": 480},
                                device_scale_factor=1)
        for svg in sorted(IMAGES.glob("*.svg")):
            page.goto(svg.resolve().as_uri())
            page.locator("svg").screenshot(path=str(svg.with_suffix(".png")),
                                           omit_background=False)
            print(f"rendered {svg.with_suffix('.png').name}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
