"""Where each character of a generated page comes from: the organisation's configuration or the
templates (tests/test_provenance.py).

Every value loaded from ``content/*.yaml`` and ``forms/*.yaml`` is tagged with its file and field
(a ``str``/``int``/``date`` subclass that compares, hashes and computes as the plain value, so the
templates behave exactly as in a real build). Jinja's ``finalize`` hook and a wrapper around every
filter put invisible markers (private-use characters) around what a tagged value printed; the
labels and hints of the form fields, which ``forms/html.py`` builds without Jinja, carry the
markers in their text. ``taint_map`` then gives, per character of a page, the fields it came from
(empty: the template wrote it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jinja2
from markupsafe import Markup
from spiegel.content.model import FILES, Content
from spiegel.forms.model import Form

OPEN, CLOSE, REF = "\ue000", "\ue001", 0xE100
Source = tuple[str, tuple[Any, ...]]  # (file, field path)


class Ledger:
    """The sources seen; a marker names one by its index (a private-use character)."""

    def __init__(self) -> None:
        self.sources: list[frozenset[Source]] = []

    def ref(self, sources: frozenset[Source]) -> str:
        self.sources.append(sources)
        return chr(REF + len(self.sources) - 1)

    def mark(self, text: str, sources: frozenset[Source]) -> str:
        return OPEN + self.ref(sources) + text + CLOSE


class Tagged:
    src: frozenset[Source]


class TStr(str, Tagged):
    pass


class TMarkup(Markup, Tagged):
    pass


class TDate(dt.date, Tagged):
    pass


def _num_op(name: str) -> Callable[..., Any]:
    def op(self: TInt, *others: Any) -> Any:
        out = getattr(int, name)(self, *others)
        if out is NotImplemented or isinstance(out, bool):
            return out
        src = self.src.union(*(getattr(o, "src", frozenset()) for o in others))
        if isinstance(out, int):
            return tag_int(out, src)
        if isinstance(out, float):
            return TFloat.of(out, src)
        return out

    return op


class TInt(int, Tagged):
    pass


for _name in (
    "__add__",
    "__radd__",
    "__sub__",
    "__rsub__",
    "__mul__",
    "__rmul__",
    "__floordiv__",
    "__rfloordiv__",
    "__mod__",
    "__rmod__",
    "__truediv__",
    "__rtruediv__",
    "__neg__",
):
    setattr(TInt, _name, _num_op(_name))


class TFloat(float, Tagged):
    @classmethod
    def of(cls, value: float, src: frozenset[Source]) -> TFloat:
        out = cls(value)
        out.src = src
        return out

    def __round__(self, ndigits: int | None = None) -> Any:
        out = float.__round__(self, ndigits)
        return tag_int(out, self.src) if isinstance(out, int) else TFloat.of(out, self.src)


def tag_int(value: int, src: frozenset[Source]) -> TInt:
    out = TInt(value)
    out.src = src
    return out


def tag(value: Any, src: frozenset[Source]) -> Any:
    """``value`` as a tagged value of the same type (containers: each item, deeper paths)."""
    file, path = next(iter(src))
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, dict):
        return {k: tag(v, frozenset({(file, (*path, k))})) for k, v in value.items()}
    if isinstance(value, list):
        return [tag(v, frozenset({(file, (*path, i))})) for i, v in enumerate(value)]
    if isinstance(value, Markup):
        out_m = TMarkup(value)
        out_m.src = src
        return out_m
    if isinstance(value, str):
        out_s = TStr(value)
        out_s.src = src
        return out_s
    if isinstance(value, int):
        return tag_int(value, src)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        out_d = TDate(value.year, value.month, value.day)
        out_d.src = src
        return out_d
    return value


def sources_in(value: Any, depth: int = 4) -> frozenset[Source]:
    if isinstance(value, Tagged):
        return value.src
    if depth == 0:
        return frozenset()
    if isinstance(value, dict):
        items: Iterator[Any] = iter(value.values())
    elif isinstance(value, list | tuple):
        items = iter(value)
    else:
        return frozenset()
    return frozenset().union(*(sources_in(v, depth - 1) for v in items))


def retag(value: Any, src: frozenset[Source]) -> Any:
    if not src or isinstance(value, bool):
        return value
    if isinstance(value, Markup):
        out_m = TMarkup(value)
        out_m.src = src
        return out_m
    if isinstance(value, str):
        out_s = TStr(value)
        out_s.src = src
        return out_s
    if isinstance(value, int):
        return tag_int(value, src)
    return value


def tainting(f: Callable[..., Any]) -> Callable[..., Any]:
    """A filter whose result carries the sources of its arguments."""

    @functools.wraps(f)  # keeps jinja_pass_arg (pass_environment, pass_context...)
    def wrapped(*args: Any, **kw: Any) -> Any:
        out = f(*args, **kw)
        src = frozenset().union(*(sources_in(a) for a in (*args, *kw.values())))
        return retag(out, src)

    return wrapped


def instrument(env: jinja2.Environment, ledger: Ledger) -> jinja2.Environment:
    """Markers around every printed tagged value; every filter passes its sources on."""

    def finalize(value: Any) -> Any:
        if isinstance(value, Markup) and isinstance(value, Tagged):
            return Markup(OPEN + ledger.ref(value.src)) + Markup.__str__(value) + Markup(CLOSE)
        if isinstance(value, Tagged):
            return ledger.mark(
                str.__str__(value) if isinstance(value, str) else str(value), value.src
            )  # type: ignore[arg-type]
        return value

    env.finalize = finalize
    for name, f in list(env.filters.items()):
        env.filters[name] = tainting(f)
    return env


def tag_content(content: Content) -> Content:
    files = {key: filename for key, (filename, _) in FILES.items()}
    parts = {
        key: tag(getattr(content, key), frozenset({(f"content/{files[key]}", ())})) for key in files
    }
    return dataclasses.replace(content, **parts)


def tag_form(
    form: Form, ledger: Ledger, from_content: dict[tuple[str, str], Source] | None = None
) -> Form:
    """A form whose texts are tagged; field labels, hints and choice labels carry markers in
    their text (forms/html.py builds the HTML without Jinja). ``from_content``: the fields whose
    choices (or, for "statements", whose fields) are made from content, and from where."""
    file = f"forms/{form.id}.yaml"
    from_content = from_content or {}

    def t(value: Any, *path: Any) -> Any:
        return tag(value, frozenset({(file, path)}))

    fields = []
    statement = 0
    for i, f in enumerate(form.fields):
        src = frozenset({(file, ("fields", i))})
        choice_src = src
        if f.type == "scale" and (form.id, "statements") in from_content:
            cfile, cpath = from_content[(form.id, "statements")]
            src = frozenset({(cfile, (*cpath, statement))})
            statement += 1
        elif (form.id, f.name) in from_content:
            choice_src = frozenset({from_content[(form.id, f.name)]})
        fields.append(
            f._replace(
                label=ledger.mark(f.label, src) if f.label else f.label,
                hint=ledger.mark(f.hint, src) if f.hint else f.hint,
                choices=tuple(
                    c._replace(label=ledger.mark(c.label, choice_src)) for c in f.choices
                ),
            )
        )
    scale = form.scale
    if scale and (form.id, "statements") in from_content:
        cfile, _ = from_content[(form.id, "statements")]
        scale = tuple(ledger.mark(s, frozenset({(cfile, ("scale",))})) for s in scale)
    return form._replace(
        scale=scale,
        title=t(form.title, "title"),
        intro=t(form.intro, "intro"),
        next_steps=t(form.next_steps, "next_steps"),
        submit_label=t(form.submit_label, "submit_label"),
        privacy=t(dict(form.privacy), "privacy"),
        thanks=t(dict(form.thanks), "thanks"),
        waitlist=t(dict(form.waitlist), "waitlist") if form.waitlist else None,
        fields=tuple(fields),
    )


# ------------------------------------------------------------------ reading a generated page

_FRONT = re.compile(r"\A---\n.*?\n---\n", re.S)
_TAG = re.compile(r"<[^>]*>")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_ATTRS = re.compile(r"\{\s*[.#:][^}]*\}")
_LIST = re.compile(r"^\s*(?:[-*]|\d+\.)\s+")
_HEADING = re.compile(r"^\s*#+\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Sentence:
    page: str
    text: str  # as a reader sees it
    sources: tuple[frozenset[int], ...]  # per character: the ledger entries it came from

    @property
    def skeleton(self) -> str:
        """The template's own words; what came from configuration is one "⟨⟩"."""
        out: list[str] = []
        for ch, src in zip(self.text, self.sources, strict=True):
            if src:
                if not out or out[-1] != "⟨⟩":
                    out.append("⟨⟩")
            else:
                out.append(ch)
        return "".join(out)


def _plain(markdown: str) -> str:
    text = _FRONT.sub("", markdown)
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
    # block elements end a sentence: a list item, a table cell or a term is a block of its own
    text = re.sub(
        r"</?(p|li|dt|dd|td|th|tr|h\d|div|ol|ul|dl|table|legend|label|option)\b[^>]*>", "\n\n", text
    )
    text = _TAG.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = _ATTRS.sub("", text)
    text = text.replace("**", "").replace("*", "")
    return html.unescape(text)


Chars = list[tuple[str, frozenset[int]]]


def _lines(chars: Chars) -> Iterator[Chars]:
    line: Chars = []
    for c in chars:
        if c[0] == "\n":
            yield line
            line = []
        else:
            line.append(c)
    yield line


def _text(chars: Chars) -> str:
    return "".join(c for c, _ in chars)


def _blocks(chars: Chars) -> Iterator[Chars]:
    """Paragraphs (lines joined), list items and headings, each on its own."""
    block: Chars = []
    for line in _lines(chars):
        text = _text(line)
        if not text.strip():
            if block:
                yield block
            block = []
            continue
        m = _LIST.match(text) or _HEADING.match(text)
        if m:
            if block:
                yield block
            block = line[m.end() :]
            continue
        block += [(" ", frozenset()), *line]
    if block:
        yield block


def sentences(page: str, markdown: str) -> Iterator[Sentence]:
    for block in _blocks(taint_map(_plain(markdown))):
        # white space is nobody's: runs collapse to one space
        flat: Chars = []
        for ch, src in block:
            if ch.isspace():
                if not flat or flat[-1][0] == " ":
                    continue
                ch = " "
            flat.append((ch, src))
        text = _text(flat)
        start = 0
        for m in [*_SENTENCE_END.finditer(text), None]:
            end = m.start() if m else len(text)
            piece = flat[start:end]
            while piece and piece[0][0] == " ":
                piece = piece[1:]
            while piece and piece[-1][0] == " ":
                piece = piece[:-1]
            if piece:
                yield Sentence(page, _text(piece), tuple(s for _, s in piece))
            if m:
                start = m.end()


def taint_map(text: str) -> Chars:
    out: Chars = []
    stack: list[int] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == OPEN:
            stack.append(ord(text[i + 1]) - REF)
            i += 2
            continue
        if ch == CLOSE:
            if stack:
                stack.pop()
            i += 1
            continue
        out.append((ch, frozenset(stack)))
        i += 1
    return out
