"""The one project loader, the MkDocs plugin around it, and what the build keeps between builds."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
from pathlib import Path
from typing import Any

import pytest
from spiegel import snapshot
from spiegel.check import check
from spiegel.content import hyphen
from spiegel.content.calendar import datum
from spiegel.content.schema import ContentError
from spiegel.project import load_project
from spiegel.site import critical
from spiegel.site.plugin import SpiegelPlugin

from .conftest import ROOT, Project


def test_one_loader_gives_the_project_the_build_and_the_endpoint_use() -> None:
    project = load_project(ROOT / "content", ROOT / "forms")
    assert project.content_label == "content" and project.forms_label == "forms"
    assert set(project.forms) == set(snapshot.from_sources(ROOT / "content", ROOT / "forms").forms)
    assert project.published is not None  # the build and `spiegel check` read the results too
    assert load_project(ROOT / "content", ROOT / "forms", published=False).published is None
    assert {e.file for e in project.examples} >= {"content/site.yaml", "content/sessions.yaml"}


def test_content_and_form_errors_come_together(project: Project) -> None:
    """A newcomer sees every mistake at once: the content's, the logo's and the forms'."""
    project.edit("content/sessions.yaml", "date: 2027-02-11", "date: 2027-02-31")
    project.edit("forms/vvg.yaml", "    max_length: 100\n", '    max_length: "honderd"\n')
    with pytest.raises(ContentError) as caught:
        load_project(project.content, project.root / "forms")
    files = {i.file for i in caught.value.issues}
    assert files == {"content/sessions.yaml", "forms/vvg.yaml"}
    assert sorted(caught.value.issues) == check(project.content, project.root / "forms")
    result = project.build()  # the build says the same, in Dutch, with file:line
    assert result.returncode != 0
    assert "content/sessions.yaml:13:" in result.stderr and "forms/vvg.yaml:" in result.stderr
    assert "de vorige versie blijft staan" in result.stderr


def test_a_missing_logo_is_one_of_the_issues(project: Project) -> None:
    project.edit("content/site.yaml", "logo: assets/logo.svg", "logo: assets/weg.svg")
    issues = check(project.content, project.root / "forms")
    assert [str(i) for i in issues] == [
        "content/site.yaml:11: logo: het bestand content/assets/weg.svg bestaat niet. Zet het logo "
        "in content/assets/ of verbeter de naam, bijvoorbeeld: logo: assets/logo.svg"
    ]


def test_the_plugin_is_registered_and_keeps_its_state_on_the_instance() -> None:
    (entry,) = importlib.metadata.entry_points(group="mkdocs.plugins", name="spiegel")
    assert entry.load() is SpiegelPlugin  # `plugins: - spiegel` in mkdocs.yml
    assert (
        "  - spiegel\n" in (ROOT / "mkdocs.yml").read_text()
        and "hooks:" not in (ROOT / "mkdocs.yml").read_text()
    )
    one, two = SpiegelPlugin(), SpiegelPlugin()
    assert one.build is None and two.build is None and one.sheets is not two.sheets
    import spiegel.site.plugin as module

    assert not hasattr(module, "STATE")


def test_dutch_dates_come_from_babel() -> None:
    assert datum(dt.date(2026, 11, 22)) == "zondag 22 november 2026"
    assert datum(dt.date(2027, 3, 1)) == "maandag 1 maart 2027"
    assert datum(dt.date(2027, 3, 1), "d MMMM") == "1 maart"


PAGE = (
    '<html><head></head><body><header class="md-header"><h1 id="t">Titel</h1></header>'
    '<div class="md-typeset" data-md-component="content"><p>x</p></div></body></html>'
)
SHEET = (
    ":root{--a:red;--b:blue}.md-header{color:var(--a)}.md-tabs{color:red}"
    "@media print{.md-typeset p{color:#000}.md-footer{display:none}}@page{size:A4}"
)


def test_compiled_stylesheets_kept_between_builds_give_the_same_css(tmp_path: Path) -> None:
    tokens = critical.page_tokens(PAGE)
    fresh = critical.critical_css([SHEET], tokens)
    cold = critical.SheetStore(tmp_path)
    assert critical.critical_css([SHEET], tokens, cold) == fresh
    cold.save()
    (stored,) = tmp_path.glob("css-*.json")
    warm = critical.SheetStore(tmp_path)
    assert critical.critical_css([SHEET], tokens, warm) == fresh and not warm.new
    stored.write_text("{kapot")  # a broken cache is compiled again, never trusted
    broken = critical.SheetStore(tmp_path)
    assert critical.critical_css([SHEET], tokens, broken) == fresh and broken.new
    assert ".md-tabs" not in fresh and "--b" not in fresh and "size:A4" in fresh
    pages = critical.SheetStore(tmp_path)
    assert pages.critical([SHEET], tokens) == fresh
    pages.save()
    assert len(list((tmp_path / "pages").glob("*.css"))) == 1
    other = critical.page_tokens(PAGE.replace("md-header", "md-tabs"))  # a page unlike it
    again = critical.SheetStore(tmp_path)
    assert again.critical([SHEET], tokens) == fresh  # read back
    assert again.critical([SHEET], other) == critical.critical_css([SHEET], other) != fresh


def test_page_tokens_read_html_as_the_html_parser_does() -> None:
    html = (
        "<!-- <div class='comment'> --><script>if (a<b) x='<p class=\"js\">'</script>"
        "<DIV Class=\"a  b\" data-x='1>2' hidden ID=top><input type=checkbox checked/>"
        '<a href="?a=1&amp;b=2">x</a></DIV>'
    )
    t = critical.page_tokens(html)
    assert t.classes == {"a", "b"} and t.ids == {"top"}
    assert {"div", "input", "a", "script"} <= t.tags and "p" not in t.tags
    assert ("data-x", "1>2") in t.values and ("hidden", "") in t.values
    assert ("href", "?a=1&b=2") in t.values and ("checked", "") in t.values


def _positions(hd: Any, words: list[str]) -> list[list[tuple[int, Any]]]:
    return [[(int(p), p.data) for p in hd.positions(w)] for w in words]


def test_the_lazy_dictionary_hyphenates_as_pyphen_does() -> None:
    """Every pattern of the Dutch dictionary (as a word, and doubled) gets the same positions
    from the lazily parsed table as from pyphen's own full parse."""
    import pyphen

    path = pyphen.LANGUAGES["nl_NL"]
    full, lazy = pyphen.HyphDict(path), hyphen.lazy_hyphdict(Path(str(path)))
    assert isinstance(lazy.patterns.lines, dict) and len(lazy.patterns.lines) > 16_000
    words = [k.strip(".") for k in full.patterns] + ["spiegelbijeenkomsten", "ëëëëëëëëëëëë"]
    words += [a + b for a, b in zip(words[::7], words[3::7], strict=False)]
    assert _positions(lazy, words) == _positions(full, words)
    assert lazy.maxlen == full.maxlen


def test_the_lazy_dictionary_reads_every_kind_of_line(tmp_path: Path) -> None:
    """Comments, spaces, escapes, nonstandard hyphenations, lines of zeros and repeated letters:
    the general path reads them as pyphen does."""
    import pyphen

    dic = tmp_path / "hyph_xx.dic"
    dic.write_text(
        "UTF-8\nLEFTHYPHENMIN 2\n% a comment\n  a1b  \nb1c\nb0c\nc^^e9d1e\n"
        "1ff/f=f,1,2\nab2c\nab0c\n\nx1y\nx3y\n",
        encoding="utf-8",
    )
    full, lazy = pyphen.HyphDict(dic), hyphen.lazy_hyphdict(dic)
    assert isinstance(lazy.patterns.lines["ab"], list)  # not the plain path
    words = ["abcabc", "bcbcbc", "cédé", "offff", "affe", "abcxy", "xyxyxy", "zzz"]
    assert _positions(lazy, words) == _positions(full, words)
    assert lazy.maxlen == full.maxlen


def test_hyphenated_words_from_an_earlier_build_are_checked() -> None:
    shy = hyphen.SHY
    hyphen.remember({"Spiegelbijeenkomsten": f"Spie{shy}gel{shy}bij{shy}een{shy}kom{shy}sten"})
    hyphen.remember({"Verbetergesprekken": "<script>alert(1)</script>"})  # not the same word
    assert hyphen.hyphenate_word("Verbetergesprekken").replace(shy, "") == "Verbetergesprekken"
    assert json.dumps(hyphen.KNOWN).count("script") == 0
