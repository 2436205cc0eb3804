"""HTML for a form, from its definition. Used by the site build and by the endpoint's error page.

Each field renders itself (its type, ``forms.fields``, from the pieces in ``forms.widgets``);
here are the form around them, the statements grouped under the content's theme headings, and
the error summary that takes focus. No template engine: the endpoint stays light.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from html import escape

from spiegel.forms.model import ELAPSED, HONEYPOT, Form
from spiegel.forms.widgets import field_id


def error_summary(form: Form, errors: Mapping[str, list[str]], today: dt.date) -> str:
    items = []
    for name, messages in errors.items():
        f = form.by_name.get(name)
        label = (f.label if f else name).rstrip(" .:")
        target = f.kind.first_input_id(f, today) if f else "spiegel-form"
        for m in messages:
            sep = " " if label.endswith("?") else ": "
            items.append(
                f'<li><a href="#{escape(target)}">{escape(label)}{sep}{escape(m)}</a></li>'
            )
    return (
        '<div class="spiegel-error-summary" id="foutmeldingen" role="alert" tabindex="-1" autofocus'
        ' aria-labelledby="foutmeldingen-titel">'
        '<h2 id="foutmeldingen-titel">Controleer uw antwoorden</h2>'
        f"<p>Er {'is 1 punt' if len(items) == 1 else f'zijn {len(items)} punten'} "
        f"om aan te passen:</p><ul>{''.join(items)}</ul></div>"
    )


def closed_notice(form: Form, today: dt.date) -> str | None:
    for f in form.fields:
        if f.required and not f.kind.answerable(f, today):
            return (
                '<div class="spiegel-notice" role="status"><p><strong>U kunt zich nu niet aanmelden.'
                "</strong> Er staat op dit moment niets op de agenda. Kijk later nog eens, of neem"
                " contact met ons op.</p></div>"
            )
    return None


def role_note(form: Form, today: dt.date) -> str:
    """Under the role question: the sessions open today that take other roles than usual (the
    server refuses another role for them with the same words)."""
    parts = []
    for session, roles in form.role_notes(today):
        names = [r.label.lower() for r in roles]
        listed = (
            names[0] if len(names) == 1 else ", als ".join(names[:-1]) + ", of als " + names[-1]
        )
        parts.append(f"Bij de bijeenkomst van {session.label} meldt u zich aan als {listed}.")
    return " ".join(parts)


def render_form(
    form: Form,
    *,
    action: str,
    today: dt.date,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, list[str]] | None = None,
    before_submit: str = "",
) -> str:
    """The whole ``<form>``: fields in definition order, statements grouped by theme;
    ``before_submit`` (HTML: what happens next) just before the button."""
    values = values or {}
    errors = errors or {}
    closed = closed_notice(form, today)
    if closed:
        return closed
    parts = [error_summary(form, errors, today)] if errors else []
    parts.append(
        f'<form class="spiegel-form" id="spiegel-form" method="post" action="{escape(action)}"'
        ' accept-charset="utf-8">'
    )
    theme = None
    notes = role_note(form, today)
    for f in form.fields:
        if notes and f.name == form.role_field:
            f = f._replace(hint=f"{f.hint} {notes}" if f.hint else notes)
        if f.theme and f.theme != theme:
            if theme:
                parts.append("</section>")
            theme = f.theme
            parts.append(
                f'<section class="spiegel-theme" aria-labelledby="thema-{theme}">'
                f'<h2 id="thema-{theme}">{escape(form.themes.get(theme, theme))}</h2>'
            )
        elif theme and not f.theme:
            parts.append("</section>")
            theme = None
        parts.append(
            f.kind.render(
                f, values.get(f.name, ""), list(errors.get(f.name, [])), today, form.scale
            )
        )
    if theme:
        parts.append("</section>")
    if before_submit:
        parts.append(f'<div class="spiegel-next">{before_submit}</div>')
    parts.append(
        f'<div class="spiegel-hp" aria-hidden="true"><label for="{field_id(HONEYPOT)}">'
        f'Laat dit veld leeg</label><input type="text" id="{field_id(HONEYPOT)}" name="{HONEYPOT}"'
        ' tabindex="-1" autocomplete="off" value=""></div>'
        f'<input type="hidden" name="{ELAPSED}" value="">'
        f'<button type="submit" class="md-button md-button--primary spiegel-submit">'
        f"{escape(form.submit_label)}</button></form>"
    )
    return "".join(parts)
