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

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from posixpath import join, normpath
from typing import TypeAlias

import tinycss2
from tinycss2 import ast

__all__ = ["PageTokens", "critical_css", "inline_critical", "page_tokens"]

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


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens = PageTokens()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        t = self.tokens
        t.tags.add(tag.lower())
        for name, value in attrs:
            t.attrs.add(name)
            t.values.add((name, value or ""))
            if name == "class" and value:
                t.classes.update(value.split())
            elif name == "id" and value:
                t.ids.add(value)

    handle_startendtag = handle_starttag


def page_tokens(html: str) -> PageTokens:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    tokens = collector.tokens
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


def _attribute_present(block: ast.SquareBracketsBlock, page: PageTokens) -> bool:
    parts = [t for t in block.content if not isinstance(t, ast.WhitespaceToken | ast.Comment)]
    if not parts or not isinstance(parts[0], ast.IdentToken):
        return True
    name = parts[0].value.lower()
    if name not in page.attrs:
        return False
    # [name=value] (exact, case-sensitive); other operators (^= *= ~= ...) only need the name.
    if len(parts) >= 3 and isinstance(parts[1], ast.LiteralToken) and parts[1].value == "=":
        value = parts[2]
        if isinstance(value, ast.IdentToken | ast.StringToken):
            flags = [p for p in parts[3:] if isinstance(p, ast.IdentToken)]
            if flags and flags[0].lower_value == "i":
                wanted = value.value.lower()
                return any(n == name and v.lower() == wanted for n, v in page.values)
            return (name, value.value) in page.values
    return True


def _selector_possible(tokens: Sequence[ast.Node], page: PageTokens) -> bool:
    """False only when the complex selector names something the page does not have."""
    prev: ast.Node | None = None
    for i, tok in enumerate(tokens):
        after_dot = isinstance(prev, ast.LiteralToken) and prev.value == "."
        after_colon = isinstance(prev, ast.LiteralToken) and prev.value == ":"
        if isinstance(tok, ast.IdentToken):
            if after_dot:
                if tok.value not in page.classes:
                    return False
            elif not after_colon and tok.lower_value not in page.tags:
                # A type selector (namespaces do not occur in our sheets).
                nxt = tokens[i + 1] if i + 1 < len(tokens) else None
                if not (isinstance(nxt, ast.LiteralToken) and nxt.value == "|"):
                    return False
        elif isinstance(tok, ast.HashToken):
            if tok.value not in page.ids:
                return False
        elif isinstance(tok, ast.SquareBracketsBlock):
            if not _attribute_present(tok, page):
                return False
        elif (
            isinstance(tok, ast.FunctionBlock)
            and after_colon
            and tok.lower_name in _ANY_OF
            and not any(_selector_possible(alt, page) for alt in _alternatives(tok.arguments))
        ):
            return False
        # A space is the descendant combinator: what follows it is a new compound selector.
        prev = None if isinstance(tok, ast.WhitespaceToken | ast.Comment) else tok
    return True


@dataclass
class _Block:
    """A grouping at-rule (``@media print``) with the rules kept inside it."""

    prelude: str
    rules: list[ast.Node | _Block]


_Kept: TypeAlias = "ast.Node | _Block"


def _purge(rules: Iterable[ast.Node], page: PageTokens) -> list[_Kept]:
    out: list[_Kept] = []
    for rule in rules:
        if isinstance(rule, ast.QualifiedRule):
            if any(_selector_possible(alt, page) for alt in _alternatives(rule.prelude)):
                out.append(rule)
        elif isinstance(rule, ast.AtRule):
            if rule.lower_at_keyword == "charset":
                continue
            if rule.lower_at_keyword in _GROUPING and rule.content is not None:
                inner = _purge(_parse_rules(rule.content), page)
                if inner:
                    out.append(
                        _Block(f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}", inner)
                    )
            else:
                out.append(rule)
    return out


def _parse_rules(content: list[ast.Node]) -> list[ast.Node]:
    return tinycss2.parse_rule_list(content, skip_comments=True, skip_whitespace=True)


def _emit(kept: list[_Kept], unused: frozenset[str]) -> str:
    """CSS text of the kept rules, without declarations of custom properties in ``unused``."""
    out: list[str] = []
    for item in kept:
        if isinstance(item, _Block):
            out.append(f"{item.prelude}{{{_emit(item.rules, unused)}}}")
        elif isinstance(item, ast.QualifiedRule) and unused:
            decls = tinycss2.parse_blocks_contents(
                item.content, skip_comments=True, skip_whitespace=True
            )
            kept_decls = [
                d.serialize()
                for d in decls
                if not (isinstance(d, ast.Declaration) and d.name in unused)
                and not isinstance(d, ast.ParseError)
            ]
            if kept_decls:
                out.append(f"{tinycss2.serialize(item.prelude)}{{{';'.join(kept_decls)}}}")
        else:
            out.append(tinycss2.serialize([item]))
    return "".join(out)


_VAR = re.compile(r"var\(\s*(--[\w-]+)")
_CUSTOM = re.compile(r"(?<![\w-])(--[\w-]+)\s*:")


@lru_cache(maxsize=32)
def _stylesheet(css: str) -> tuple[ast.Node, ...]:
    return tuple(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))


def critical_css(sheets: Sequence[str], page: PageTokens) -> str:
    """The rules of ``sheets`` (in order) that can apply to a page with these tokens.

    Custom properties that no kept rule uses (the theme's icons for admonitions, diagrams,
    tooltips) are left out too; the full stylesheets define them again when they arrive.
    """
    kept = [_purge(_stylesheet(css), page) for css in sheets]
    unused: frozenset[str] = frozenset()
    text = ""
    for _ in range(4):  # leaving a property out can leave another one unused
        text = "\n".join(_emit(k, unused) for k in kept)
        now = unused | (set(_CUSTOM.findall(text)) - set(_VAR.findall(text)))
        if now == unused:
            break
        unused = frozenset(now)
    return text


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


def inline_critical(html: str, page_url: str, read: Callable[[str], str | None]) -> str:
    """Inline the critical CSS of a page; load its stylesheets and scripts without blocking.

    ``page_url`` is the page's URL relative to the site root (``spiegelbijeenkomst/``);
    ``read(path)`` gives a stylesheet's text by its path from the site root, or None when the
    stylesheet is not ours (then the page is left as it is).
    """
    head_match = _HEAD.search(html)
    if not head_match:
        return html
    head = head_match.group(0)
    links = list(_SHEET.finditer(head))
    sheets = [read(normpath(join(page_url, m.group(1))).lstrip("/")) for m in links]
    if not links or any(s is None for s in sheets):
        return html
    css = critical_css([s for s in sheets if s is not None], page_tokens(html))
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
