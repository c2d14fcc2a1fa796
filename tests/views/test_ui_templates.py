"""Every word a template shows comes from the translation catalogue; the UI speaks 中文 and English."""
import os
import re
from html.parser import HTMLParser

import pytest

from tests.factories import new_case

TEMPLATES = os.path.join(os.path.dirname(__file__), "..", "..", "templates")
JINJA = re.compile(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", re.S)
# Letters of any script; what is left after removing Jinja must not contain any.
WORDS = re.compile(r"[^\W\d_]", re.U)
# A language is offered under its own name, whatever the interface language is.
OWN_NAMES = {"English", "中文"}
SHOWN_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label", "label", "data-confirm"}


class TextFinder(HTMLParser):
    """Collects the text nodes and shown attribute values of a template with Jinja removed."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        for name, value in attrs:
            if value and name in SHOWN_ATTRIBUTES:
                self.found.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.found.append(data)


def hard_coded(source):
    """Texts with letters left in a template once every Jinja expression, tag and comment is removed."""
    finder = TextFinder()
    finder.feed(JINJA.sub(" ", source))
    return [text.strip() for text in finder.found if WORDS.search(text) and text.strip() not in OWN_NAMES]


def template_files():
    for folder, _dirs, files in os.walk(TEMPLATES):
        for name in sorted(files):
            if name.endswith(".html"):
                yield os.path.relpath(os.path.join(folder, name), TEMPLATES)


@pytest.mark.parametrize("name", list(template_files()))
def test_no_template_holds_text_outside_the_catalogue(name):
    with open(os.path.join(TEMPLATES, name), encoding="utf-8") as handle:
        assert hard_coded(handle.read()) == []


def test_the_check_catches_hard_coded_text():
    assert hard_coded('<p>待处置</p><input placeholder="Search">') == ["待处置", "Search"]
    assert hard_coded('<p>{{ _("Found") }} · {{ n }}</p><a title="{{ _(\'x\') }}">—</a>') == []


def test_the_interface_switches_to_english_and_back(login, app_world):
    new_case(app_world)
    member = login("member")
    chinese = member.get("/grids/G1/board").get_data(as_text=True)
    assert "新建事件" in chinese and "待处置" in chinese and "上报" in chinese
    member.post("/lang", {"lang": "en", "next": "/grids/G1/board"}, token_from="/grids/G1/board")
    english = member.get("/grids/G1/board").get_data(as_text=True)
    assert "New case" in english and "Found" in english and ">Report<" in english and "Overdue only" in english
    for text in ("新建事件", "待处置", "只看超期", "紧急程度"):
        assert text not in english
    intake = member.get("/cases/new?grid=G1").get_data(as_text=True)
    assert "Record the case" in intake and "Handled on the spot" in intake and "提交登记" not in intake
    member.post("/lang", {"lang": "zh_CN", "next": "/grids/G1/board"}, token_from="/grids/G1/board")
    assert "新建事件" in member.get("/grids/G1/board").get_data(as_text=True)
