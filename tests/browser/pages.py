"""The checks every page passes, at a phone's width and a laptop's: ``check_page(page, name)``.

At each width it fits the viewport (no horizontal scrolling of the page), axe-core finds no
WCAG 2.2 A/AA violation, and a full-page screenshot goes to docs/screenshots/<name>-<width>.png
to be looked at. Failures name the elements at fault, so they can be fixed without a rerun.
"""

from io import BytesIO
from pathlib import Path

from PIL import Image

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs/screenshots"
AXE = Path(__file__).parent / "vendor/axe-core-4.14.1.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = (390, 1280)
HEIGHTS = {390: 844, 768: 1024, 1280: 800, 1920: 1080}  # a phone, a tablet, laptops

# The elements that stick out past the right edge, innermost first, as short selectors.
_OVERFLOWING = """() => {
  const limit = window.innerWidth;
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + [...el.classList].map((c) => '.' + c).join('');
  // What overflows inside a box that scrolls or clips is that box's business, not the page's.
  const contained = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible') return true;
    }
    return false;
  };
  const wide = [...document.body.querySelectorAll('*')].filter(
    (el) => el.getBoundingClientRect().right > limit + 1 && !contained(el));
  const innermost = wide.filter((el) => !wide.some((other) => other !== el && el.contains(other)));
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: limit,
    culprits: innermost.slice(0, 8).map(
      (el) => `${describe(el)} (right edge ${Math.round(el.getBoundingClientRect().right)}px)`),
  };
}"""

_AXE_RUN = """(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(
  (results) => results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(
      (n) => ({target: n.target.join(' '), summary: n.failureSummary})),
    count: v.nodes.length,
  })))"""


def assert_fits(page, label: str) -> None:
    """The page is no wider than the viewport."""
    found = page.evaluate(_OVERFLOWING)
    assert found["scrollWidth"] <= found["innerWidth"], (
        f"{label}: the page is {found['scrollWidth']}px wide in a {found['innerWidth']}px "
        "viewport; sticking out: " + ", ".join(found["culprits"])
    )


def axe_violations(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: a <script> tag would be refused by the CSP.
        page.evaluate(AXE.read_text())
    return page.evaluate(_AXE_RUN, AXE_TAGS)


def assert_accessible(page, label: str) -> None:
    """axe-core finds nothing against WCAG 2.0-2.2 A and AA."""
    violations = axe_violations(page)
    assert not violations, f"{label}: {len(violations)} axe violation(s):\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}; {v['count']} element(s), e.g.\n"
        + "\n".join(
            f"    {node['target']}: {' '.join(node['summary'].split())}" for node in v["nodes"]
        )
        for v in violations
    )


def save_screenshot(png: bytes, path: Path) -> None:
    """In 256 colours: as legible for a page of text and flat colours, a third of the size
    in the repository."""
    shot = Image.open(BytesIO(png)).convert("RGB")
    shot.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, optimize=True
    )


def check_page(page, name: str, widths=WIDTHS) -> None:
    """At each width: fits, no axe violations, screenshot saved as ``<name>-<width>.png``.

    The page's current URL is checked as it is; htmx requests it starts are let finish first.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures = []
    for width in widths:
        page.set_viewport_size({"width": width, "height": HEIGHTS.get(width, 900)})
        page.wait_for_load_state("networkidle")
        # Two frames: the page's resize and media-query handlers have run.
        page.evaluate(
            "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        label = f"{name} at {width}px ({page.url})"
        try:
            assert_fits(page, label)
        except AssertionError as failure:
            failures.append(str(failure))
        # The whole page in one viewport: the screenshot shows a sticky bar where it rests,
        # and axe finds nothing hidden behind one by where the page happens to be scrolled.
        # Again once the taller viewport has loaded lazy images, which lengthen the page.
        for _ in range(3):
            height = page.evaluate("() => document.documentElement.scrollHeight")
            if height <= page.viewport_size["height"]:
                break
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_function(
                "() => [...document.images].every((i) => i.complete || !i.getClientRects().length)"
            )
        # caret="initial": hiding a focused field's caret takes an inline style the CSP refuses.
        png = page.screenshot(full_page=True, caret="initial")
        save_screenshot(png, SCREENSHOTS / f"{name}-{width}.png")
        try:
            assert_accessible(page, label)
        except AssertionError as failure:
            failures.append(str(failure))
    assert not failures, "\n".join(failures)
