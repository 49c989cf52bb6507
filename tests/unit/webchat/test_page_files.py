"""The page's files ship in the package, load nothing from another origin and label every control."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib import resources

from geobot.webchat.app import PAGE_FILES

STATIC = resources.files("geobot.webchat") / "static"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"


def test_every_served_file_is_in_the_package_and_nothing_else_is_there() -> None:
    assert sorted(name for name, _ in PAGE_FILES.values()) == sorted(f.name for f in STATIC.iterdir())


def test_no_file_refers_to_another_origin() -> None:
    for name, _ in PAGE_FILES.values():
        text = STATIC.joinpath(name).read_text()
        assert re.findall(r"(?:https?:)?//[\w.-]+", text.replace(SVG_NAMESPACE, "")) == [], name
        assert "@import" not in text and "eval(" not in text and "innerHTML" not in text, name


class Controls(HTMLParser):
    """Collects the ids of form controls and the ids that labels name."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[str] = []
        self.labelled: list[str] = []
        self.live: list[dict[str, str | None]] = []
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang")
        if tag in ("input", "textarea", "select"):
            self.controls.append(found.get("id") or "")
        if tag == "label":
            self.labelled.append(found.get("for") or "")
        if "aria-live" in found:
            self.live.append(found)


def test_the_page_labels_its_controls_and_announces_new_replies() -> None:
    page = Controls()
    page.feed(STATIC.joinpath("index.html").read_text())
    assert page.lang == "en"
    assert page.controls and all(control in page.labelled for control in page.controls)
    transcript = next(region for region in page.live if region.get("id") == "transcript")
    assert transcript["role"] == "log" and transcript["aria-live"] == "polite"
