"""The site's menu, built from the project (issue 22 #7): no ``nav:`` in mkdocs.yml.

A programme's section is named by the ``title`` of its content file (``programme_titles``), the
same title its page and the home page show, so renaming a programme is one line. Every other
entry is a page without a label: MkDocs shows the page's own title (a form's ``title``, a staff
Markdown page's first heading). The order and the addresses stay fixed: home, the programmes
(their page, the agenda, their forms, the results), the actions page, staff's own Markdown
pages, privacy and accessibility.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spiegel.content.model import Content
from spiegel.forms.model import Form
from spiegel.site.generate import PROGRAMME_PAGE, programme_titles

__all__ = ["menu"]

_EXTRA = {  # pages of a programme besides its forms, in menu order
    "spiegelbijeenkomst": ("spiegelbijeenkomst/agenda/index.md",),
}
_AFTER_FORMS = {"groepsevaluatie": ("groepsevaluatie/resultaten/index.md",)}


def menu(content: Content, forms: dict[str, Form], own_pages: Iterable[str]) -> list[Any]:
    """MkDocs' ``nav`` (the structure of ``nav:`` in mkdocs.yml). ``own_pages``: the Markdown
    files staff added to content/ (src_uri)."""
    titles = programme_titles(content)
    by_programme: dict[str, list[str]] = {p: [] for p in PROGRAMME_PAGE}
    loose: list[str] = []
    # a programme's own form first (the questionnaire before the request for an evaluation)
    for form in sorted(forms.values(), key=lambda f: (f.id != f.programme, f.path)):
        page = f"{form.path}/index.md"
        by_programme.get(form.programme, loose).append(page)
    nav: list[Any] = [{"Start": "index.md"}]
    for programme, index in PROGRAMME_PAGE.items():
        pages = [index, *_EXTRA.get(programme, ()), *by_programme[programme]]
        nav.append({titles[programme]: pages + list(_AFTER_FORMS.get(programme, ()))})
    nav += [*loose, "verbeteringen/index.md", *sorted(own_pages)]
    return nav + ["privacy/index.md", "toegankelijkheid/index.md"]
