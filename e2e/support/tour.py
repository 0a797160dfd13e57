"""The page tour: a screenshot of every page at a desktop's width and at a phone's, and at the phone's width no page
may scroll sideways.

The screenshots go to test-output/e2e/<engine>/pages/<page>-1280.png and <page>-390.png, each the page's whole
height (not just the window's). test_accessibility.py takes the tour, on the session's server (no server of its own).
"""

import base64

from .config import OUT

DESKTOP, PHONE, HEIGHT = 1280, 390, 900


class Tour:
    def __init__(self, ui):
        self.ui = ui
        self.dir = OUT / "pages"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.pages = []  # the pages' names, in the order first seen
        self.too_wide = []  # what scrolls sideways at the phone's width

    def shoot(self, page, width):
        """The page as it is shown now, in a window `width` px wide: checked (at the phone's width) and saved."""
        d = self.ui.d
        if width <= PHONE:
            scroll, inner = d.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                self.too_wide.append(f"{page} ({self.ui.path}) at {width} px: {scroll} px wide in a {inner} px window")
        # The whole page: as wide as its content (an overflow shows) and as tall.
        metrics = d.execute_cdp_cmd("Page.getLayoutMetrics", {})
        content, viewport = metrics["cssContentSize"], metrics["cssLayoutViewport"]
        clip = dict(x=0, y=0, width=max(content["width"], viewport["clientWidth"]),
                    height=max(content["height"], viewport["clientHeight"]), scale=1)
        shot = d.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip})
        (self.dir / f"{page}-{width}.png").write_bytes(base64.b64decode(shot["data"]))
        if page not in self.pages:
            self.pages.append(page)

    def capture(self, page):
        """The current page at both widths (the window resized, the page not reloaded), then back at the desktop's."""
        for width in (DESKTOP, PHONE):
            self.ui.d.set_window_size(width, HEIGHT)
            self.shoot(page, width)
        self.ui.d.set_window_size(DESKTOP, HEIGHT)

    def report(self):
        """What failed the phone check, for an assertion message ("" when nothing did)."""
        if not self.too_wide:
            return ""
        return "pages that scroll sideways at a phone's width:\n" + "\n".join(self.too_wide)
