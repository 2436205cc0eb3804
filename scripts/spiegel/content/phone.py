"""The organisation's phone numbers as links a phone can call: one function for the site's pages
and the endpoint's own pages (they disagreed: ``+31 71 123 45 67`` became ``tel:31711234567``
on the endpoint's pages). Standard library only: the endpoint imports it."""

from __future__ import annotations


def tel_href(number: str) -> str:
    """``071 123 45 67`` -> ``tel:+31711234567``; ``+31 71 ...`` keeps its ``+``; short numbers
    (``113``) and 0800 numbers stay as dialled."""
    digits = "".join(ch for ch in number if ch.isdigit() or ch == "+")
    if digits.startswith("0") and len(digits) >= 10 and not digits.startswith("0800"):
        return "tel:+31" + digits[1:]
    return "tel:" + digits
