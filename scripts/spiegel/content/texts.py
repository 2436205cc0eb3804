"""The wording of e-mails and letters, in Jinja2 template files beside the code that sends them.

``outbox/templates/`` holds the messages of the sign-up loop, ``signups/templates/`` the feedback
letter, as the site's page texts sit in ``site/templates/``. A text template (``.txt.j2``) gives
paragraphs separated by a blank line and may set ``subject``; an HTML template (``.html.j2``) is
autoescaped. Jinja2 is imported on the first message, never at the endpoint's start-up.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import TYPE_CHECKING, Any

from spiegel.content.calendar import datum

if TYPE_CHECKING:
    import jinja2

__all__ = ["Text", "render_html", "render_text"]

URL_RE = re.compile(r"(https?://\S+)")


class Text:
    """A rendered text template: its ``subject`` (when it sets one) and its paragraphs."""

    def __init__(self, subject: str, paragraphs: tuple[str, ...]) -> None:
        self.subject, self.paragraphs = subject, paragraphs


def _datum(value: dt.date | str) -> str:
    return datum(value if isinstance(value, dt.date) else dt.date.fromisoformat(value))


def _linked(text: str) -> Any:
    """Plain text as HTML: escaped, web addresses as links, line breaks as ``<br>``."""
    from markupsafe import Markup, escape

    parts = URL_RE.split(text)
    # a long link (the personal cancel link) breaks anywhere, so a 320 px screen needs no scrolling
    link = Markup('<a href="{0}" style="overflow-wrap:anywhere;word-break:break-all">{0}</a>')
    out = Markup("").join(link.format(p) if i % 2 else escape(p) for i, p in enumerate(parts))
    return out.replace("\n", Markup("<br>"))


@functools.cache
def _environment(package: str) -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["datum"] = _datum
    env.filters["linked"] = _linked
    return env


def render_text(package: str, template: str, **values: Any) -> Text:
    """``template`` from ``package``'s templates: paragraphs split on blank lines, the subject."""
    module = _environment(package).get_template(template).make_module(values)
    paragraphs = tuple(p.strip("\n") for p in str(module).split("\n\n") if p.strip())
    return Text(str(getattr(module, "subject", "")), paragraphs)


def render_html(package: str, template: str, **values: Any) -> str:
    """An HTML template (autoescaped) from ``package``'s templates."""
    return _environment(package).get_template(template).render(**values)
