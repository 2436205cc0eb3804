"""First paint without waiting for stylesheets or scripts: per page, the CSS that applies goes inline.

On a slow phone line the four stylesheets in ``<head>`` (the theme's 138 KB, its palette, our brand
colours and ``spiegel.css``) held the first paint back by more than a second. At build time, for
every page:

- the rules that can match something on that page are kept (tinycss2 parses the sheets) and put
  inline in one ``<style>``, in the original order, ``@media print`` rules included, so the page
  draws, and prints, from the HTML alone (a browser test checks it draws exactly as with the full
  stylesheets);
- the full stylesheets load when the reader first does something (tap, key, scroll, focus): only
  what scripts add later needs them (search results, the header's title on scrolling). They come
  after the inline copy and are switched on together, so the cascade is the theme's own. Without
  JavaScript a ``<noscript>`` loads them as before;
- the scripts (the theme's and ours) load after the first paint, one after the other.

"Can match" is decided like PurgeCSS does, conservatively: a selector stays unless it names a
class, id, element, attribute or attribute value that the page does not contain. States (:hover,
:checked, ::before) and negations (:not) never remove a selector. A rule stays whole when any of
its selectors stays, so nothing is rewritten, only left out.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from html import unescape
from pathlib import Path
from posixpath import join, normpath
from typing import Any, TypeAlias

import tinycss2
from tinycss2 import ast

from spiegel.site import cssrules
from spiegel.site.selectors import needs as selectors_needs

__all__ = ["PageTokens", "SheetStore", "critical_css", "inline_critical", "page_tokens"]

# Blocks holding rules: their content is purged recursively; other at-rules are kept whole.
_GROUPING = {"media", "supports", "layer", "container", "document"}
# Functional pseudo-classes whose argument is a selector list of alternatives.
_ANY_OF = {"is", "where", "matches", "-webkit-any", "-moz-any", "has"}


@dataclass
class PageTokens:
    tags: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    attrs: set[str] = field(default_factory=set)
    values: set[tuple[str, str]] = field(default_factory=set)


# The page's start tags and attributes, read as ``html.parser`` reads them (its tolerant
# attribute pattern; names in lower case, values unquoted and unescaped, nothing inside
# comments, scripts and styles) but three to four times faster: one pass of regular expressions
# instead of a parser object per page.
_RAWTEXT = re.compile(r"<(script|style)\b([^>]*)>.*?</\1\s*>", re.S | re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"""<([a-zA-Z][^\t\n\r\f />\x00]*)((?:"[^"]*"|'[^']*'|[^'">])*)>""")
_ATTR = re.compile(
    r"""((?<=['"\s/])[^\s/>][^\s/=>]*)(\s*=+\s*('[^']*'|"[^"]*"|(?!['"])[^>\s]*))?"""
)


def page_tokens(html: str) -> PageTokens:
    tokens = PageTokens()
    text = _RAWTEXT.sub(r"<\1\2>", _COMMENT.sub("", html))
    for tag in _TAG.finditer(text):
        tokens.tags.add(tag.group(1).lower())
        for attr in _ATTR.finditer(" " + tag.group(2)):
            name, rest, value = attr.group(1).lower(), attr.group(2), attr.group(3)
            if not rest:
                value = ""
            elif value[:1] == "'" == value[-1:] or value[:1] == '"' == value[-1:]:
                value = value[1:-1]
            value = unescape(value) if value else ""
            tokens.attrs.add(name)
            tokens.values.add((name, value))
            if name == "class" and value:
                tokens.classes.update(value.split())
            elif name == "id" and value:
                tokens.ids.add(value)
    tokens.tags.update({"html", "head", "body"})
    return tokens


def _alternatives(tokens: Sequence[ast.Node]) -> list[list[ast.Node]]:
    out: list[list[ast.Node]] = [[]]
    for tok in tokens:
        if isinstance(tok, ast.LiteralToken) and tok.value == ",":
            out.append([])
        else:
            out[-1].append(tok)
    return out


# A selector is compiled once per stylesheet into what it needs from a page: a tuple of
# conditions, all of which must hold. ("any", alternatives) holds when one alternative does.
_Cond: TypeAlias = tuple[Any, ...]  # (kind, name) or (kind, name, value)
_Needs: TypeAlias = tuple[_Cond, ...]


def _attribute_needs(block: ast.SquareBracketsBlock) -> list[_Cond]:
    parts = [t for t in block.content if not isinstance(t, ast.WhitespaceToken | ast.Comment)]
    if not parts or not isinstance(parts[0], ast.IdentToken):
        return []
    name = parts[0].lower_value
    needs: list[_Cond] = [("attr", name)]
    # [name=value] (exact, case-sensitive); other operators (^= *= ~= ...) only need the name.
    if len(parts) >= 3 and isinstance(parts[1], ast.LiteralToken) and parts[1].value == "=":
        value = parts[2]
        if isinstance(value, ast.IdentToken | ast.StringToken):
            flags = [p for p in parts[3:] if isinstance(p, ast.IdentToken)]
            if flags and flags[0].lower_value == "i":
                needs.append(("ivalue", name, value.value.lower()))
            else:
                needs.append(("value", name, value.value))
    return needs


def _selector_needs(tokens: Sequence[ast.Node]) -> _Needs:
    """What a complex selector names; it can match only a page that has all of it."""
    needs: list[_Cond] = []
    prev: ast.Node | None = None
    for i, tok in enumerate(tokens):
        after_dot = isinstance(prev, ast.LiteralToken) and prev.value == "."
        after_colon = isinstance(prev, ast.LiteralToken) and prev.value == ":"
        if isinstance(tok, ast.IdentToken):
            if after_dot:
                needs.append(("class", tok.value))
            elif not after_colon:
                # A type selector (namespaces do not occur in our sheets).
                nxt = tokens[i + 1] if i + 1 < len(tokens) else None
                if not (isinstance(nxt, ast.LiteralToken) and nxt.value == "|"):
                    needs.append(("tag", tok.lower_value))
        elif isinstance(tok, ast.HashToken):
            needs.append(("id", tok.value))
        elif isinstance(tok, ast.SquareBracketsBlock):
            needs += _attribute_needs(tok)
        elif isinstance(tok, ast.FunctionBlock) and after_colon and tok.lower_name in _ANY_OF:
            needs.append(("any", tuple(_selector_needs(a) for a in _alternatives(tok.arguments))))
        # A space is the descendant combinator: what follows it is a new compound selector.
        prev = None if isinstance(tok, ast.WhitespaceToken | ast.Comment) else tok
    return tuple(needs)


# A compiled alternative: the plain names it needs (a set, checked against the page's in one
# subset test) and the few conditions that need more (``[x=y i]``, ``:is(...)``).
_Alternative: TypeAlias = "tuple[frozenset[_Cond], tuple[_Cond, ...]]"
_SIMPLE = {"class", "tag", "id", "attr", "value"}


def _split(needs: _Needs) -> _Alternative:
    simple = frozenset(c for c in needs if c[0] in _SIMPLE)
    rest = tuple(
        ("any", tuple(_split(alt) for alt in c[1])) if c[0] == "any" else c
        for c in needs
        if c[0] not in _SIMPLE
    )
    return simple, rest


def _atoms(page: PageTokens) -> frozenset[_Cond]:
    """The page's names in the form of the simple conditions."""
    return frozenset(
        [("class", c) for c in page.classes]
        + [("tag", t) for t in page.tags]
        + [("id", i) for i in page.ids]
        + [("attr", a) for a in page.attrs]
        + [("value", n, v) for n, v in page.values]
    )


def _possible(alt: _Alternative, page: PageTokens, atoms: frozenset[_Cond]) -> bool:
    """False only when the selector names something the page does not have."""
    simple, rest = alt
    if not simple <= atoms:
        return False
    for cond in rest:
        if cond[0] == "ivalue":
            name, wanted = cond[1], cond[2]
            if not any(n == name and v.lower() == wanted for n, v in page.values):
                return False
        elif cond[0] == "any" and not any(_possible(a, page, atoms) for a in cond[1]):
            return False
    return True


_VAR = re.compile(r"var\(\s*(--[\w-]+)")
_CUSTOM = re.compile(r"(?<![\w-])(--[\w-]+)\s*:")


@dataclass(frozen=True)
class _Names:
    """The custom properties a piece of CSS text declares (``--x:``) and uses (``var(--x``)."""

    declared: frozenset[str]
    used: frozenset[str]

    @classmethod
    def of(cls, text: str) -> _Names:
        return cls(frozenset(_CUSTOM.findall(text)), frozenset(_VAR.findall(text)))


def _needs_of(prelude: Sequence[ast.Node]) -> tuple[_Alternative, ...]:
    return tuple(_split(_selector_needs(alt)) for alt in _alternatives(prelude))


class _Rule:
    """A style rule: its selectors' needs, compiled once per build; its text (whole, and
    declaration by declaration for leaving unused properties out) serialized once, and only
    when a page keeps it (most of the theme's rules are on no page). A rule found by
    ``cssrules.split`` has the text of its selectors (read by ``site/selectors.py``, and by
    tinycss2 only where that cannot or a page keeps the rule) and of its block, which is
    tokenized only then."""

    def __init__(
        self,
        alternatives: tuple[_Alternative, ...],
        rule: ast.QualifiedRule | None = None,
        source: str | None = None,
        prelude: list[ast.Node] | None = None,
        block: str | None = None,
        selectors: str | None = None,
    ) -> None:
        self.alternatives = alternatives
        self.source = source  # the rule's text in its stylesheet (kept for the next build)
        self.selectors = selectors  # the text before its block
        self.block = block  # the text between its braces
        if rule is not None:
            self.rule = rule
        if prelude is not None:
            self.prelude_tokens = prelude

    @classmethod
    def restored(cls, alternatives: tuple[_Alternative, ...], text: str, whole: bool) -> _Rule:
        """A rule read back from the store: its needs, and its text in the stylesheet (or, when
        ``whole``, as serialized); the syntax tree is parsed from it if a page needs it."""
        rule = cls(alternatives, source=None if whole else text)
        if whole:
            rule.__dict__["whole"] = text  # cached_property reads the instance's __dict__ first
        return rule

    @cached_property
    def rule(self) -> ast.QualifiedRule:  # a rule read back from the store
        text = self.whole if self.source is None else self.source
        parsed = tinycss2.parse_one_rule(text, skip_comments=True)
        assert isinstance(parsed, ast.QualifiedRule), text
        return parsed

    @cached_property
    def prelude_tokens(self) -> list[ast.Node]:
        if self.selectors is not None:
            return tinycss2.parse_component_value_list(self.selectors, skip_comments=True)
        return self.rule.prelude

    @cached_property
    def content(self) -> list[ast.Node]:
        if self.block is not None:
            return tinycss2.parse_component_value_list(self.block, skip_comments=True)
        return self.rule.content

    @cached_property
    def whole(self) -> str:
        # as tinycss2.serialize([rule]) writes a qualified rule
        return f"{self.prelude}{{{tinycss2.serialize(self.content)}}}"

    @cached_property
    def prelude(self) -> str:
        return tinycss2.serialize(self.prelude_tokens)

    @cached_property
    def declarations(self) -> tuple[tuple[str | None, str, _Names], ...]:
        decls = tinycss2.parse_blocks_contents(
            self.content, skip_comments=True, skip_whitespace=True
        )
        texts = [
            (d.name if isinstance(d, ast.Declaration) else None, d.serialize())
            for d in decls
            if not isinstance(d, ast.ParseError)
        ]
        return tuple((name, text, _Names.of(text)) for name, text in texts)

    @cached_property
    def names(self) -> _Names:
        return _Names.of(self.whole)

    @cached_property
    def prelude_names(self) -> _Names:
        return _Names.of(self.prelude)


@dataclass(frozen=True)
class _Other:
    """An at-rule kept whole (``@font-face``, ``@keyframes``, ``@page``)."""

    whole: str
    names: _Names


@dataclass(frozen=True)
class _Group:
    """A grouping at-rule (``@media print``) and the rules inside it."""

    prelude: str
    rules: tuple[_Compiled, ...]
    names: _Names  # of the prelude


_Compiled: TypeAlias = "_Rule | _Other | _Group"


def _compile(rules: Iterable[ast.Node]) -> tuple[_Compiled, ...]:
    out: list[_Compiled] = []
    for rule in rules:
        if isinstance(rule, ast.QualifiedRule):
            out.append(_Rule(_needs_of(rule.prelude), rule=rule))
        elif isinstance(rule, ast.AtRule):
            if rule.lower_at_keyword == "charset":
                continue
            if rule.lower_at_keyword in _GROUPING and rule.content is not None:
                prelude = f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}"
                inner = _compile(_parse_rules(rule.content))
                out.append(_Group(prelude, inner, _Names.of(prelude)))
            else:
                whole = tinycss2.serialize([rule])
                out.append(_Other(whole, _Names.of(whole)))
    return tuple(out)


def _parse_rules(content: list[ast.Node]) -> list[ast.Node]:
    return tinycss2.parse_rule_list(content, skip_comments=True, skip_whitespace=True)


def _compile_pieces(css: str, pieces: list[cssrules.Piece]) -> tuple[_Compiled, ...] | None:
    """``_compile`` from where ``cssrules.split`` found the rules: only the selectors (and the
    at-rules' heads) are tokenized now; None if a piece does not parse as one rule."""
    out: list[_Compiled] = []
    for start, block, end in pieces:
        if not css.startswith("@", start):
            selectors = css[start:block]
            plain = selectors_needs(selectors)  # most selectors: no tinycss2 at all
            if plain is None:
                prelude = tinycss2.parse_component_value_list(selectors, skip_comments=True)
                alternatives = _needs_of(prelude)
            else:
                alternatives, prelude = tuple(_split(n) for n in plain), None
            block_text = css[block + 1 : end - 1]
            out.append(_Rule(alternatives, None, css[start:end], prelude, block_text, selectors))
            continue
        head = css[start:block] + "{}" if block >= 0 else css[start:end]
        at = tinycss2.parse_one_rule(head, skip_comments=True)
        if not isinstance(at, ast.AtRule):
            return None
        if at.lower_at_keyword == "charset":
            continue
        if at.lower_at_keyword in _GROUPING and block >= 0:
            inner = cssrules.split(css, block + 1, end - 1, top=False)
            rules = None if inner is None else _compile_pieces(css, inner)
            if rules is None:
                return None
            prelude_text = f"@{at.at_keyword}{tinycss2.serialize(at.prelude)}"
            out.append(_Group(prelude_text, rules, _Names.of(prelude_text)))
        else:
            whole_rule = tinycss2.parse_one_rule(css[start:end], skip_comments=True)
            if not isinstance(whole_rule, ast.AtRule):
                return None
            whole = tinycss2.serialize([whole_rule])
            out.append(_Other(whole, _Names.of(whole)))
    return tuple(out)


_Kept: TypeAlias = "_Rule | _Other | tuple[_Group, list[_Kept]]"


def _purge(rules: tuple[_Compiled, ...], page: PageTokens, atoms: frozenset[_Cond]) -> list[_Kept]:
    """The rules that can match on the page (the inner loop of the build: kept flat and inline)."""
    out: list[_Kept] = []
    for rule in rules:
        if isinstance(rule, _Rule):
            for simple, rest in rule.alternatives:
                if simple <= atoms and (not rest or _possible((simple, rest), page, atoms)):
                    out.append(rule)
                    break
        elif isinstance(rule, _Group):
            inner = _purge(rule.rules, page, atoms)
            if inner:
                out.append((rule, inner))
        else:
            out.append(rule)
    return out


def _emit(kept: list[_Kept], unused: frozenset[str]) -> str:
    """CSS text of the kept rules, without declarations of custom properties in ``unused``."""
    out: list[str] = []
    for item in kept:
        if isinstance(item, tuple):
            out.append(f"{item[0].prelude}{{{_emit(item[1], unused)}}}")
        elif isinstance(item, _Rule) and unused:
            kept_decls = [text for name, text, _ in item.declarations if name not in unused]
            if kept_decls:
                out.append(f"{item.prelude}{{{';'.join(kept_decls)}}}")
        else:
            out.append(item.whole)
    return "".join(out)


@lru_cache(maxsize=32)
def _stylesheet(css: str) -> tuple[_Compiled, ...]:
    """A stylesheet parsed and compiled once (per process: ``mkdocs serve`` keeps it): split
    into its rules first (``cssrules``), else parsed whole."""
    pieces = cssrules.split(css)
    compiled = None if pieces is None else _compile_pieces(css, pieces)
    if compiled is None:
        return _parsed_stylesheet(css)
    return compiled


def _parsed_stylesheet(css: str) -> tuple[_Compiled, ...]:
    """The stylesheet parsed whole by tinycss2 (also the check of ``cssrules`` in the tests)."""
    return _compile(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))


Compiler: TypeAlias = Callable[[str], "tuple[_Compiled, ...]"]

# ------------------------------------------------------------------ kept between builds
# Parsing the theme's 138 KB stylesheet is the largest part of the work (tinycss2 is pure
# Python) and the sheet is the same in every build. ``SheetStore`` keeps the compiled form as
# JSON in the project's ``.cache/spiegel/`` (where Material's own plugins keep theirs), keyed by
# the SHA-256 of the stylesheet and of this module's code; a missing or unreadable file is compiled
# again. What is kept is only what the compiler made from the stylesheet text: each rule's needs
# and its text (not its declarations one by one: serializing those for all 1,100 rules of the
# theme took a build with an empty cache 45 ms, and a page needs them of its few kept rules only).
_FORMAT = 2
_CODE = Path(__file__).read_bytes()  # a change to the compiler makes new files


def _cond_data(c: _Cond) -> list[Any]:
    if c[0] == "any":
        return ["any", [_alt_data(a) for a in c[1]]]
    return list(c)


def _alt_data(alt: _Alternative) -> list[Any]:
    return [sorted(list(c) for c in alt[0]), [_cond_data(c) for c in alt[1]]]


def _data(items: tuple[_Compiled, ...]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if isinstance(item, _Rule):
            alternatives = [_alt_data(a) for a in item.alternatives]
            if item.source is None:  # parsed whole: its serialized text, marked as such
                out.append(["r", alternatives, item.whole, 1])
            else:
                out.append(["r", alternatives, item.source])
        elif isinstance(item, _Group):
            out.append(["g", item.prelude, _data(item.rules)])
        else:
            out.append(["o", item.whole])
    return out


def _cond(d: list[Any]) -> _Cond:
    return ("any", tuple(_alt(a) for a in d[1])) if d[0] == "any" else tuple(d)


def _alt(d: list[Any]) -> _Alternative:
    return frozenset(tuple(c) for c in d[0]), tuple(_cond(c) for c in d[1])


def _from_data(data: list[Any]) -> tuple[_Compiled, ...]:
    out: list[_Compiled] = []
    for item in data:
        if item[0] == "r":
            out.append(_Rule.restored(tuple(_alt(a) for a in item[1]), item[2], len(item) > 3))
        elif item[0] == "g":
            out.append(_Group(item[1], _from_data(item[2]), _Names.of(item[1])))
        else:
            out.append(_Other(item[1], _Names.of(item[1])))
    return tuple(out)


_VOCABULARY: dict[int, tuple[tuple[_Compiled, ...], frozenset[_Cond], frozenset[str]]] = {}


def _vocabulary(compiled: tuple[_Compiled, ...]) -> tuple[frozenset[_Cond], frozenset[str]]:
    """Every plain name a stylesheet's selectors ask about, and the attributes they compare
    case-insensitively: all of a page that can change what is kept."""
    hit = _VOCABULARY.get(id(compiled))
    if hit is not None and hit[0] is compiled:
        return hit[1], hit[2]
    atoms: set[_Cond] = set()
    inames: set[str] = set()

    def alternative(alt: _Alternative) -> None:
        atoms.update(alt[0])
        for cond in alt[1]:
            if cond[0] == "any":
                for inner in cond[1]:
                    alternative(inner)
            else:
                inames.add(cond[1])

    def walk(items: tuple[_Compiled, ...]) -> None:
        for item in items:
            if isinstance(item, _Rule):
                for alt in item.alternatives:
                    alternative(alt)
            elif isinstance(item, _Group):
                walk(item.rules)

    walk(compiled)
    _VOCABULARY[id(compiled)] = (compiled, frozenset(atoms), frozenset(inames))
    return frozenset(atoms), frozenset(inames)


class SheetStore:
    """Compiled stylesheets for one build: from memory, from ``folder``, or compiled now.

    ``save()`` (after the build) writes what had to be compiled, so the next build reads it.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.compiled: dict[str, tuple[_Compiled, ...]] = {}
        self.keys: dict[str, str] = {}  # stylesheet text -> key
        self.new: set[str] = set()
        self.pages: dict[str, str] = {}  # what a page's tokens ask -> its critical CSS
        self.new_pages: dict[Path, str] = {}
        self.used: set[str] = set()  # page files this build used; the others are removed

    def _path(self, key: str) -> Path | None:
        return None if self.folder is None else self.folder / f"css-{_FORMAT}-{key}.json"

    def __call__(self, css: str) -> tuple[_Compiled, ...]:
        key = self.keys.get(css)
        if key is None:
            key = self.keys[css] = hashlib.sha256(_CODE + css.encode()).hexdigest()[:32]
        hit = self.compiled.get(key)
        if hit is not None:
            return hit
        path = self._path(key)
        try:
            if path is None:
                raise OSError
            hit = _from_data(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, IndexError):
            hit = _stylesheet(css)
            self.new.add(key)
        self.compiled[key] = hit
        return hit

    def critical(self, sheets: Sequence[str], page: PageTokens) -> str:
        """``critical_css(sheets, page)``, kept by everything in the page the stylesheets ask
        about: pages alike give the same CSS, and an unchanged page is not purged again."""
        compiled = [self(css) for css in sheets]
        atoms = set(_atoms(page))
        inames: set[str] = set()
        relevant: list[Any] = [self.keys[css] for css in sheets]
        for c in compiled:
            vocab, names = _vocabulary(c)
            relevant.append(sorted(list(a) for a in atoms & vocab))
            inames |= names
        relevant.append(sorted({(n, v.lower()) for n, v in page.values if n in inames}))
        key = hashlib.sha256(json.dumps(relevant).encode()).hexdigest()[:32]
        hit = self.pages.get(key)
        path = None if self.folder is None else self.folder / "pages" / f"{key}.css"
        if hit is None and path is not None:
            try:
                hit = path.read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                hit = None
        if hit is None:
            hit = critical_css(sheets, page, self)
            if path is not None:
                self.new_pages[path] = hit
        self.pages[key] = hit
        self.used.add(f"{key}.css")
        return hit

    def save(self) -> None:
        for page_path, css in self.new_pages.items():
            try:
                page_path.parent.mkdir(parents=True, exist_ok=True)
                page_path.write_bytes(css.encode("utf-8"))
            except OSError:
                pass
        self.new_pages.clear()
        if self.used and self.folder is not None:
            for old in (self.folder / "pages").glob("*.css"):
                if old.name not in self.used:
                    with contextlib.suppress(OSError):
                        old.unlink()
        self.used.clear()
        for key in sorted(self.new):
            path = self._path(key)
            if path is None:
                continue
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                tmp.write_text(json.dumps(_data(self.compiled[key])), encoding="utf-8")
                tmp.replace(path)
            except OSError:
                pass  # a read-only project: the next build compiles again
        self.new.clear()


def critical_css(sheets: Sequence[str], page: PageTokens, compiled: Compiler = _stylesheet) -> str:
    """The rules of ``sheets`` (in order) that can apply to a page with these tokens.

    Custom properties that no kept rule uses (the theme's icons for admonitions, diagrams,
    tooltips) are left out too; the full stylesheets define them again when they arrive.
    """
    atoms = _atoms(page)
    kept = [_purge(compiled(css), page, atoms) for css in sheets]
    named = [_with_names(k) for k in kept]  # most rules have no custom properties at all
    unused: frozenset[str] = frozenset()
    for _ in range(4):  # leaving a property out can leave another one unused
        declared: set[str] = set()
        used: set[str] = set()
        for k in named:
            _names(k, unused, declared, used)
        now = unused | (declared - used)
        if now == unused:
            break
        unused = frozenset(now)
    return "\n".join(_emit(k, unused) for k in kept)


def _with_names(kept: list[_Kept]) -> list[_Kept]:
    """Only the kept rules (and blocks) whose text declares or uses a custom property."""
    out: list[_Kept] = []
    for item in kept:
        if isinstance(item, tuple):
            inner = _with_names(item[1])
            if inner or item[0].names.declared or item[0].names.used:
                out.append((item[0], inner))
        elif item.names.declared or item.names.used:
            out.append(item)
    return out


def _names(kept: list[_Kept], unused: frozenset[str], declared: set[str], used: set[str]) -> None:
    """The custom properties ``_emit(kept, unused)`` declares and uses, without writing it out."""
    for item in kept:
        if isinstance(item, tuple):
            declared |= item[0].names.declared
            used |= item[0].names.used
            _names(item[1], unused, declared, used)
        elif isinstance(item, _Rule) and unused:
            decls = [names for name, _, names in item.declarations if name not in unused]
            if decls:
                for names in (item.prelude_names, *decls):
                    declared |= names.declared
                    used |= names.used
        else:
            declared |= item.names.declared
            used |= item.names.used


_HEAD = re.compile(r"<head>.*?</head>", re.S)
_SHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)">')
# Only the site's own scripts (relative, under assets/javascripts/) move into the loader; any
# other <script src> stays a tag, where the build's audit sees it and refuses another host.
_SCRIPT = re.compile(r'<script src="((?:\.\./)*assets/javascripts/[^":?#]+\.js)"></script>')

# The loader, inline in <head>. Stylesheets: on the first sign of a reader doing something
# (a tap, a key, scrolling, focus), all of them at once: each loads as media="print" and all are
# switched on in one go when every one has arrived, so the cascade is never half the theme's (a
# late main.css alone would override spiegel.css' copy in the inline CSS and move the page).
# Scripts: one after the other once the page has loaded and painted; the theme's script starts on
# DOMContentLoaded, which has passed by then, so it is sent again for it after the last one.
_LOADER = """<script>(function(){var css=%s,js=%s,asked=false;
function styles(){if(asked)return;asked=true;var n=css.length,ok=true,all=css.map(function(h){
var l=document.createElement("link");l.rel="stylesheet";l.media="print";l.href=h;
l.onload=l.onerror=function(e){ok=ok&&e.type==="load";if(--n===0&&ok)all.forEach(function(x){x.media="all"})};
document.head.appendChild(l);return l})}
["pointerdown","keydown","touchstart","scroll","focusin"].forEach(function(t){
addEventListener(t,styles,{capture:true,passive:true})});
function script(i){if(i===js.length){document.dispatchEvent(new Event("DOMContentLoaded"));return}
var s=document.createElement("script");s.src=js[i];s.onload=s.onerror=function(){script(i+1)};
document.body.appendChild(s)}
addEventListener("load",function(){requestAnimationFrame(function(){setTimeout(script,0,0)})})})()</script>"""


def _js_list(items: list[str]) -> str:
    return json.dumps(items).replace("</", "<\\/")


def inline_critical(
    html: str,
    page_url: str,
    read: Callable[[str], str | None],
    store: SheetStore | None = None,
) -> str:
    """Inline the critical CSS of a page; load its stylesheets and scripts without blocking.

    ``page_url`` is the page's URL relative to the site root (``spiegelbijeenkomst/``);
    ``read(path)`` gives a stylesheet's text by its path from the site root, or None when the
    stylesheet is not ours (then the page is left as it is); a ``SheetStore`` keeps the compiled
    stylesheets and the critical CSS of pages alike between builds.
    """
    head_match = _HEAD.search(html)
    if not head_match:
        return html
    head = head_match.group(0)
    links = list(_SHEET.finditer(head))
    sheets = [read(normpath(join(page_url, m.group(1))).lstrip("/")) for m in links]
    if not links or any(s is None for s in sheets):
        return html
    texts, tokens = [s for s in sheets if s is not None], page_tokens(html)
    css = store.critical(texts, tokens) if store else critical_css(texts, tokens)
    if "</style" in css.lower():  # would end the <style> element early
        return html
    hrefs = [m.group(1) for m in links]
    body = html[head_match.end() :]
    scripts = _SCRIPT.findall(body)
    loader = _LOADER % (_js_list(hrefs), _js_list(scripts))
    blocking = "".join(f'<link rel="stylesheet" href="{h}">' for h in hrefs)
    replacement = f"<style>{css}</style>{loader}<noscript>{blocking}</noscript>"
    first, last = links[0], links[-1]
    new_head = head[: first.start()] + replacement + _SHEET.sub("", head[first.end() : last.end()])
    new_head += head[last.end() :]
    return html[: head_match.start()] + new_head + _SCRIPT.sub("", body)
