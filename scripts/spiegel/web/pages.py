"""The few HTML pages the endpoint itself answers with (errors). Self-contained, no other host."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from html import escape
from typing import Any

from spiegel.content.phone import tel_href
from spiegel.forms.html import render_form
from spiegel.forms.model import Form

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:1.125rem;line-height:1.6;
color:#1a1a1a;margin:0;background:#fff}
header{background:#1d4f91;color:#fff;padding:.8rem 1rem}header a{color:#fff;font-weight:700}
main{max-width:40rem;margin:0 auto;padding:1rem}h1{font-size:1.6rem;line-height:1.25}
a{color:#1d4f91;text-decoration:underline}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#1a1a1a;color:#fff;padding:.5rem}
:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}
.spiegel-field{margin:0 0 1.4rem;border:0;padding:0;min-width:0}
.spiegel-label,.spiegel-legend{display:block;font-weight:700;margin-bottom:.3rem;padding:0}
.spiegel-optional{font-weight:400}.spiegel-hint{color:#4a4a4a;margin:0 0 .4rem}
.spiegel-consent .spiegel-hint{margin-left:2rem}
input[type=text],input[type=email],input[type=tel],select,textarea{display:block;width:100%;
max-width:30rem;font:inherit;padding:.5rem .6rem;border:2px solid #3b3b3b;box-sizing:border-box}
.spiegel-option{display:flex;gap:.6rem;margin:.35rem 0}.spiegel-option input{width:1.4rem;height:1.4rem;flex:none}
.spiegel-scale .spiegel-options{display:flex;flex-wrap:wrap;gap:0 1.2rem}
.spiegel-invalid{border-left:5px solid #b00020;padding-left:.8rem}
.spiegel-error{color:#b00020;font-weight:700;margin:0 0 .4rem}
.spiegel-error-summary{border:4px solid #b00020;padding:.8rem 1rem;margin:1rem 0 1.5rem}
.spiegel-error-summary a{color:#b00020;font-weight:700}
.spiegel-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.spiegel-hp{display:none!important}
button{font:inherit;background:#1d4f91;color:#fff;border:0;padding:.6rem 1.4rem;cursor:pointer}
"""


def _tel(number: str) -> str:
    return f'<a href="{escape(tel_href(number))}">{escape(number)}</a>'


def _contact(org: Mapping[str, Any]) -> str:
    if not org:
        return ""
    email = escape(org["email"])
    return (
        f"<footer><p><strong>Vragen?</strong> Bel {_tel(org['phone'])} "
        f"({escape(org['phone_hours'])}) of mail naar "
        f'<a href="mailto:{email}">{email}</a>.</p></footer>'
    )


def page(
    title: str, body: str, site_name: str, home: str, organisation: Mapping[str, Any] | None = None
) -> str:
    org = organisation or {}
    name = f"{site_name} · {org['name']}" if org else site_name
    return (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} - {escape(name)}</title><style>{STYLE}</style></head><body>"
        '<a class="skip" href="#inhoud">Naar de inhoud</a>'
        f'<header><a href="{escape(home)}">{escape(name)}</a></header>'
        f'<main id="inhoud" tabindex="-1">{body}{_contact(org)}</main></body></html>'
    )


def _heading(text: str) -> str:
    """Soft hyphens in long words: a narrow phone must not cut "spiegelbijeenkomst" off."""
    from spiegel.content.hyphen import hyphenate_text  # only for this page: keeps cold start small

    return hyphenate_text(escape(text))


def _next(form: Form) -> str:
    """What happens next, before the button, as on the site's form (its own words only: the
    terms the site adds from content/ are on the form's page)."""
    paragraphs = [" ".join(p.split()) for p in form.next_steps.split("\n\n") if p.strip()]
    return "<h2>Wat gebeurt er daarna?</h2>" + "".join(f"<p>{escape(p)}</p>" for p in paragraphs)


def error_page(
    form: Form,
    values: Mapping[str, str],
    errors: Mapping[str, list[str]],
    *,
    action: str,
    site_name: str,
    site_url: str,
    today: dt.date,
    organisation: Mapping[str, Any] | None = None,
) -> str:
    form_html = render_form(
        form, action=action, today=today, values=values, errors=errors, before_submit=_next(form)
    )
    body = (
        f"<h1>{_heading(form.title)}</h1><p>Uw gegevens zijn nog niet verstuurd. Pas de punten hieronder aan"
        f" en verstuur het formulier opnieuw.</p>{form_html}"
        f'<p><a href="{escape(site_url + form.url)}">Terug naar de pagina met het formulier</a></p>'
    )
    return page(
        f"Controleer uw antwoorden: {form.title}", body, site_name, site_url + "/", organisation
    )


def message_page(
    title: str,
    text: str,
    site_name: str,
    site_url: str,
    organisation: Mapping[str, Any] | None = None,
) -> str:
    body = f'<h1>{_heading(title)}</h1><p>{escape(text)}</p><p><a href="{escape(site_url + "/")}">Naar de startpagina</a></p>'
    return page(title, body, site_name, site_url + "/", organisation)
