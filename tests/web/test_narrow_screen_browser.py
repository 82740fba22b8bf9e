"""The staff pages on a phone (390x844), in both languages: nothing scrolls sideways and the
header keeps every link on the screen."""

from __future__ import annotations

import pytest

from tests.support.staff_pages import sign_in_as_admin, staff_pages

pytestmark = pytest.mark.browser

WIDTH = 390
_MEASURE = """() => {
  const bar = document.querySelector(".topbar");
  const outside = Array.from(bar.querySelectorAll("a, button")).filter((el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && (box.left < 0 || box.right > window.innerWidth);
  });
  return {
    page: document.documentElement.scrollWidth,
    header: bar.scrollWidth - bar.clientWidth,
    outside: outside.map((el) => el.textContent.trim()),
  };
}"""


@pytest.mark.parametrize("locale", ["en-US", "vi-VN"])
def test_staff_pages_fit_a_390_px_screen(seeded, live_server, browser, locale) -> None:
    context = browser.new_context(
        locale=locale, timezone_id="Asia/Ho_Chi_Minh", viewport={"width": WIDTH, "height": 844}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in_as_admin(page, live_server.url)
    too_wide = {}
    for path in staff_pages(seeded):
        assert page.goto(live_server.url + path).status == 200, path
        measured = page.evaluate(_MEASURE)
        if measured["page"] > WIDTH or measured["header"] > 0 or measured["outside"]:
            too_wide[path] = measured
    context.close()
    assert too_wide == {}, "\n".join(f"{path}: {m}" for path, m in too_wide.items())
