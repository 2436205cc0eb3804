"""HTML for a form, from its definition. Used by the site build and by the endpoint's error page.

Plain string building with ``html.escape`` (no template engine) keeps the endpoint light. Every
value that came from a person is escaped; every error is tied to its field with
``aria-describedby`` and listed in an error summary that takes focus.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from html import escape

from spiegel.forms.model import ELAPSED, HONEYPOT, NOT_APPLICABLE, Field, Form

THEME_NAMES = {
    "samenwerking": "Samenwerking",
    "communicatie": "Communicatie",
    "organisatie": "Organisatie",
}


def _attrs(**kw: str | int | bool | None) -> str:
    out = []
    for key, value in kw.items():
        name = key.rstrip("_").replace("_", "-")
        if value is True:
            out.append(f" {name}")
        elif value not in (None, False, ""):
            out.append(f' {name}="{escape(str(value))}"')
    return "".join(out)


def field_id(name: str, value: str | None = None) -> str:
    return f"f-{name}" + (f"-{value}" if value else "")


def first_input_id(f: Field, today: dt.date, form: Form) -> str:
    if f.type == "scale":
        return field_id(f.name, "1")
    if f.type == "choice" and f.widget == "radio":
        opts = form.open_choices(f, today)
        return field_id(f.name, opts[0].value) if opts else field_id(f.name)
    return field_id(f.name)


def _describe(f: Field, errors: list[str]) -> str | None:
    ids = ([field_id(f.name) + "-hint"] if f.hint else []) + (
        [field_id(f.name) + "-error"] if errors else []
    )
    return " ".join(ids) or None


def _messages(f: Field, errors: list[str]) -> str:
    out = ""
    if f.hint:
        out += f'<p class="spiegel-hint" id="{field_id(f.name)}-hint">{escape(f.hint)}</p>'
    if errors:
        text = " ".join(escape(e) for e in errors)
        out += (
            f'<p class="spiegel-error" id="{field_id(f.name)}-error">'
            f'<span class="spiegel-sr">Fout: </span>{text}</p>'
        )
    return out


def _optional(f: Field) -> str:
    return "" if f.required else ' <span class="spiegel-optional">(niet verplicht)</span>'


def _group(f: Field, form: Form, value: str, errors: list[str], today: dt.date) -> str:
    if f.type == "scale":
        opts = [(str(i), f"{i} {label}") for i, label in enumerate(form.scale[:5], start=1)]
        opts.append((NOT_APPLICABLE, form.scale[5]))
        legend = escape(f.label)
    else:
        opts = [(c.value, c.label) for c in form.open_choices(f, today)]
        legend = escape(f.label) + _optional(f)
    items = []
    for i, (v, label) in enumerate(opts):
        fid = field_id(f.name, v)
        checked = value == v
        items.append(
            f'<div class="spiegel-option"><input{_attrs(type="radio", id=fid, name=f.name, value=v)}'
            f"{_attrs(checked=checked, required=f.required and i == 0)}>"
            f'<label for="{fid}">{escape(label)}</label></div>'
        )
    cls = "spiegel-field spiegel-scale" if f.type == "scale" else "spiegel-field"
    return (
        f'<fieldset class="{cls}{" spiegel-invalid" if errors else ""}"'
        f"{_attrs(aria_describedby=_describe(f, errors))}>"
        f'<legend class="spiegel-legend">{legend}</legend>{_messages(f, errors)}'
        f'<div class="spiegel-options">{"".join(items)}</div></fieldset>'
    )


def _single(f: Field, form: Form, value: str, errors: list[str], today: dt.date) -> str:
    fid = field_id(f.name)
    common = _attrs(
        id=fid,
        name=f.name,
        required=f.required,
        aria_describedby=_describe(f, errors),
        aria_invalid="true" if errors else None,
    )
    if f.type == "consent":
        return (
            f'<div class="spiegel-field spiegel-consent{" spiegel-invalid" if errors else ""}">'
            f'{_messages(f, errors)}<div class="spiegel-option">'
            f'<input type="checkbox" value="ja"{common}{_attrs(checked=value == "ja")}>'
            f'<label for="{fid}">{escape(f.label)}</label></div></div>'
        )
    label = f'<label class="spiegel-label" for="{fid}">{escape(f.label)}{_optional(f)}</label>'
    if f.type == "choice":
        opts = "".join(
            f"<option{_attrs(value=c.value, selected=value == c.value)}>{escape(c.label)}</option>"
            for c in form.open_choices(f, today)
        )
        control = f'<select{common}><option value="">Maak een keuze</option>{opts}</select>'
    elif f.type == "textarea":
        control = (
            f'<textarea rows="4"{common}{_attrs(maxlength=f.max_length)}>{escape(value)}</textarea>'
        )
    else:
        kind = {"email": "email", "phone": "tel"}.get(f.type, "text")
        pattern = {"phone": r"\+?[0-9][0-9 \-]{8,18}", "code": r"[A-Za-z0-9\-]{4,40}"}.get(f.type)
        control = (
            f"<input{_attrs(type=kind)}{common}"
            f"{_attrs(value=value, maxlength=f.max_length, autocomplete=f.autocomplete, pattern=pattern)}"
            f"{_attrs(inputmode='tel' if f.type == 'phone' else None, spellcheck='false' if f.type in ('email', 'code') else None)}>"
        )
    return (
        f'<div class="spiegel-field{" spiegel-invalid" if errors else ""}">'
        f"{label}{_messages(f, errors)}{control}</div>"
    )


def render_field(f: Field, form: Form, value: str, errors: list[str], today: dt.date) -> str:
    if f.type == "scale" or (f.type == "choice" and f.widget == "radio"):
        return _group(f, form, value, errors, today)
    return _single(f, form, value, errors, today)


def error_summary(form: Form, errors: Mapping[str, list[str]], today: dt.date) -> str:
    items = []
    for name, messages in errors.items():
        f = form.by_name.get(name)
        label = (f.label if f else name).rstrip(" .:")
        target = first_input_id(f, today, form) if f else "spiegel-form"
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
        if f.type == "choice" and f.required and not form.open_choices(f, today):
            return (
                '<div class="spiegel-notice" role="status"><p><strong>U kunt zich nu niet aanmelden.'
                "</strong> Er staat op dit moment niets op de agenda. Kijk later nog eens, of neem"
                " contact met ons op.</p></div>"
            )
    return None


def render_form(
    form: Form,
    *,
    action: str,
    today: dt.date,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, list[str]] | None = None,
) -> str:
    """The whole ``<form>``: fields in definition order, statements grouped by theme."""
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
    for f in form.fields:
        if f.theme and f.theme != theme:
            if theme:
                parts.append("</section>")
            theme = f.theme
            parts.append(
                f'<section class="spiegel-theme" aria-labelledby="thema-{theme}">'
                f'<h2 id="thema-{theme}">{THEME_NAMES.get(theme, theme)}</h2>'
            )
        elif theme and not f.theme:
            parts.append("</section>")
            theme = None
        parts.append(
            render_field(f, form, values.get(f.name, ""), list(errors.get(f.name, [])), today)
        )
    if theme:
        parts.append("</section>")
    parts.append(
        f'<div class="spiegel-hp" aria-hidden="true"><label for="{field_id(HONEYPOT)}">'
        f'Laat dit veld leeg</label><input type="text" id="{field_id(HONEYPOT)}" name="{HONEYPOT}"'
        ' tabindex="-1" autocomplete="off" value=""></div>'
        f'<input type="hidden" name="{ELAPSED}" value="">'
        f'<button type="submit" class="md-button md-button--primary spiegel-submit">'
        f"{escape(form.submit_label)}</button></form>"
    )
    return "".join(parts)
