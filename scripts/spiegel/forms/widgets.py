"""The HTML pieces every field is built from: attributes, ids, the hint and the error under a
label, the frame of a single control and of a group of radio buttons.

Plain string building with ``html.escape`` (no template engine) keeps the endpoint light. Every
value that came from a person is escaped; every error is tied to its field with
``aria-describedby``.
"""

from __future__ import annotations

from html import escape


def attrs(**kw: str | int | bool | None) -> str:
    """` name="value"` for each set keyword (``aria_describedby`` -> ``aria-describedby``)."""
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


def describe(name: str, hint: str | None, errors: list[str]) -> str | None:
    ids = ([field_id(name) + "-hint"] if hint else []) + (
        [field_id(name) + "-error"] if errors else []
    )
    return " ".join(ids) or None


def messages(name: str, hint: str | None, errors: list[str]) -> str:
    out = ""
    if hint:
        out += f'<p class="spiegel-hint" id="{field_id(name)}-hint">{escape(hint)}</p>'
    if errors:
        text = " ".join(escape(e) for e in errors)
        out += (
            f'<p class="spiegel-error" id="{field_id(name)}-error">'
            f'<span class="spiegel-sr">Fout: </span>{text}</p>'
        )
    return out


def optional(required: bool) -> str:
    return "" if required else ' <span class="spiegel-optional">(niet verplicht)</span>'


def control_attrs(name: str, required: bool, hint: str | None, errors: list[str]) -> str:
    """The attributes of the one control of a field: its id, name and error wiring."""
    return attrs(
        id=field_id(name),
        name=name,
        required=required,
        aria_describedby=describe(name, hint, errors),
        aria_invalid="true" if errors else None,
    )


def labelled(
    name: str, label: str, required: bool, hint: str | None, errors: list[str], control: str
) -> str:
    """A label, the hint and errors, then the control."""
    return (
        f'<div class="spiegel-field{" spiegel-invalid" if errors else ""}">'
        f'<label class="spiegel-label" for="{field_id(name)}">{escape(label)}{optional(required)}</label>'
        f"{messages(name, hint, errors)}{control}</div>"
    )


def radio_group(
    name: str,
    legend: str,
    options: list[tuple[str, str]],
    *,
    value: str,
    required: bool,
    hint: str | None,
    errors: list[str],
    cls: str = "spiegel-field",
) -> str:
    """A fieldset of radio buttons; ``legend`` is HTML already, ``options`` (value, label)."""
    items = []
    for i, (v, label) in enumerate(options):
        fid = field_id(name, v)
        items.append(
            f'<div class="spiegel-option"><input{attrs(type="radio", id=fid, name=name, value=v)}'
            f"{attrs(checked=value == v, required=required and i == 0)}>"
            f'<label for="{fid}">{escape(label)}</label></div>'
        )
    return (
        f'<fieldset class="{cls}{" spiegel-invalid" if errors else ""}"'
        f"{attrs(aria_describedby=describe(name, hint, errors))}>"
        f'<legend class="spiegel-legend">{legend}</legend>{messages(name, hint, errors)}'
        f'<div class="spiegel-options">{"".join(items)}</div></fieldset>'
    )
