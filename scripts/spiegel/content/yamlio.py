"""Read YAML with a line number for every field, and explain syntax mistakes in Dutch.

A YAML mistake is reported on the line where the person made it (an unclosed quote: the line
where it opens; a line indented too little: that line), with the usual cause and its fix. A
value YAML cannot construct (a date such as 2027-02-31) stays text, so the validator can say
what is wrong with it instead of a traceback.

Only PyYAML is imported here: the endpoint uses this module too and must start fast.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from spiegel.content.issues import ContentError, Issue

Lines = dict[tuple[Any, ...], int]

# libyaml's C parser when PyYAML was built with it (PyPI wheels are): ~5x faster, which matters
# for the endpoint's cold start. Python's resolver and constructor are used either way.
_Parser: Any
try:
    from yaml import cyaml

    _Parser = cyaml.CParser  # type: ignore[attr-defined]
except (ImportError, AttributeError):  # PyYAML without libyaml
    _Parser = yaml.SafeLoader


class _Loader(_Parser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)


# "10:30" must stay a string: YAML 1.1 reads it as the sexagesimal number 630.
_INT = "tag:yaml.org,2002:int"
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != _INT]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _INT,
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)


class _Stop(Exception):
    def __init__(self, issue: Issue) -> None:
        self.issue = issue


def _scalar(loader: Any, node: yaml.Node) -> Any:
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError, yaml.constructor.ConstructorError):
        return str(node.value)  # e.g. 2027-02-31: the validator explains what is wrong with it


def _walk(loader: Any, node: yaml.Node, path: tuple[Any, ...], lines: Lines, name: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        first: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Stop(Issue(name, line, "", "'<<' (samenvoegen) wordt niet ondersteund."))
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Stop(
                    Issue(name, line, "", "voor de dubbele punt hoort een naam, zoals 'title'.")
                )
            key = _scalar(loader, key_node)
            key = key if isinstance(key, str | int | bool) or key is None else str(key)
            if key in out:
                raise _Stop(
                    Issue(
                        name,
                        line,
                        "",
                        f"'{key}' staat hier twee keer (ook op regel {first[key]}). "
                        "Haal één van de twee regels weg of geef hem de goede naam.",
                    )
                )
            first[key] = line
            out[key] = _walk(loader, value_node, (*path, key), lines, name)
            # a field is on the line of its name: "data:" with a list under it is line N, not
            # the line of the list's first item (what the editor underlines too)
            lines[(*path, key)] = line
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(loader, n, (*path, i), lines, name) for i, n in enumerate(node.value)]
    return _scalar(loader, node)


# Spaces that look like spaces but are not (Word and e-mail paste them), and characters that
# cannot be seen at all. YAML reads them as text, so the mistake shows up lines later.
_ODD_SPACES = {
    "\u00a0": "een vaste spatie",
    "\u2007": "een vaste spatie",
    "\u202f": "een smalle vaste spatie",
    "\u3000": "een brede spatie",
    **{chr(c): "een spatie uit een ander lettertype" for c in range(0x2000, 0x200B)},
}
_INVISIBLE = {
    "\u200b": "een onzichtbare spatie (zero-width space)",
    "\u200c": "een onzichtbaar teken",
    "\u200d": "een onzichtbaar teken",
    "\u2060": "een onzichtbaar teken",
    "\ufeff": "een onzichtbaar teken (BOM)",
    "\u00ad": "een onzichtbaar afbreekstreepje",
    "\u2028": "een onzichtbare regelovergang",
    "\u2029": "een onzichtbare alinea-overgang",
}


# "-\u00a0id: ..." or "location:\u00a0Zaal 2": the space YAML needs after a list's dash or a
# key's colon is another kind of space, so YAML reads one long text and fails lines later.
_ODD_SEPARATOR = re.compile(
    r"[ ]*(?:-[ ]+)*(?:(?P<sign>-)|[^\s#'\"\-][^:#]*?(?P<colon>:))"
    f"(?P<odd>[{''.join(_ODD_SPACES)}])"
)


def odd_separators(text: str, name: str) -> list[Issue]:
    """One issue per line where the space after a list's dash or a key's colon is another kind
    of space. Asked only when YAML fails: inside a text "Let op:\u00a0..." is fine."""
    issues = []
    for number, line in enumerate(text.split("\n"), 1):
        if m := _ODD_SEPARATOR.match(line):
            odd = m.group("odd")
            after = "het streepje (-)" if m.group("sign") == "-" else "de dubbele punt"
            issues.append(
                Issue(
                    name,
                    number,
                    "",
                    f"na {after} op deze regel staat {_ODD_SPACES[odd]} (U+{ord(odd):04X}, vaak"
                    " gekopieerd uit Word of een e-mail) in plaats van een gewone spatie. Haal"
                    " hem weg en typ een gewone spatie met de spatiebalk.",
                )
            )
    return issues


def invisible_characters(text: str, name: str) -> list[Issue]:
    """One issue per line whose indentation holds a space that is not a plain space, or that
    holds a character nobody can see (a BOM at the very start of the file is fine)."""
    issues = []
    for number, line in enumerate(text.split("\n"), 1):
        body = line[1:] if number == 1 and line.startswith("\ufeff") else line
        indent = body[: len(body) - len(body.lstrip(" \t" + "".join(_ODD_SPACES)))]
        odd = next((c for c in indent if c in _ODD_SPACES), None)
        if odd:
            issues.append(
                Issue(
                    name,
                    number,
                    "",
                    f"aan het begin van deze regel staat {_ODD_SPACES[odd]} (U+{ord(odd):04X}, vaak"
                    " gekopieerd uit Word of een e-mail) in plaats van gewone spaties. Haal de"
                    " spaties aan het begin van de regel weg en typ ze opnieuw met de spatiebalk.",
                )
            )
            continue
        hidden = next((c for c in body if c in _INVISIBLE), None)
        if hidden:
            issues.append(
                Issue(
                    name,
                    number,
                    "",
                    f"op deze regel staat {_INVISIBLE[hidden]} (U+{ord(hidden):04X}), vaak uit een"
                    " gekopieerde tekst. Typ de regel opnieuw, of haal het teken weg met de"
                    " pijltjestoetsen en Backspace.",
                )
            )
    return issues


def parse_yaml(text: str, name: str) -> tuple[Any, Lines]:
    """Parse one YAML document; return the data and a map from field path to line number."""
    odd = invisible_characters(text, name)
    if odd:  # the cause of whatever YAML would say, on the line where it is
        raise ContentError(odd)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        lines: Lines = {}
        data = None if node is None else _walk(loader, node, (), lines, name)
        return data, lines
    except _Stop as stop:
        raise ContentError([stop.issue]) from None
    except yaml.MarkedYAMLError as exc:
        raise ContentError(odd_separators(text, name) or [explain(exc, text, name)]) from None
    except yaml.reader.ReaderError as exc:
        line = text[: max(exc.position, 0)].count("\n") + 1
        raise ContentError(
            [
                Issue(
                    name,
                    line,
                    "",
                    "op deze regel staat een onzichtbaar of ongeldig teken (bijvoorbeeld uit een "
                    "gekopieerde tekst). Typ de regel opnieuw.",
                )
            ]
        ) from None
    except yaml.YAMLError:
        raise ContentError([Issue(name, 1, "", GENERIC)]) from None
    finally:
        loader.dispose()


def load_yaml(path: Path, name: str | None = None) -> tuple[Any, Lines]:
    label = name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError([Issue(label, 0, "", "dit bestand ontbreekt; zet het terug.")]) from None
    except UnicodeDecodeError:
        raise ContentError(
            [Issue(label, 0, "", "dit bestand is niet als UTF-8 opgeslagen. Sla het op als UTF-8.")]
        ) from None
    except IsADirectoryError:
        raise ContentError([Issue(label, 0, "", "hier hoort een bestand, geen map.")]) from None
    return parse_yaml(text, label)


# --------------------------------------------------------------------------- syntax mistakes

GENERIC = (
    "de opmaak (YAML) klopt hier niet. Kijk naar de spaties aan het begin van de regel, "
    "naar dubbele punten in de tekst en naar aanhalingstekens die niet gesloten zijn."
)
# key: "Ouders" en verzorgers -- a value that starts with a closed quote and goes on after it
_QUOTED_START = re.compile(
    r"^(?P<key>\s*(?:-\s+)?[^\s#'\"][^:#]*:\s+)(?P<q>[\"'])[^\"']*(?P=q)\s*[^\s#,\]}]"
)
_QUOTE_OPEN = re.compile(r"^\s*(?:-\s+)?(?:[^\s#'\"][^#]*?:\s+)?(?P<q>[\"'])")


def _unclosed_quote(lines: list[str], upto: int) -> int | None:
    """The first line (1-based, at most ``upto``) whose value opens a quote it does not close."""
    for number, line in enumerate(lines[:upto], 1):
        m = _QUOTE_OPEN.match(line)
        if not m:
            continue
        rest = line[m.end() :]
        q = m.group("q")
        closed = re.search(r'(?<!\\)"', rest) if q == '"' else re.search(r"'(?!')", rest)
        if not closed:
            return number
    return None


_WORDS_AFTER = re.compile(
    r"^(?P<key>\s*(?:-\s+)?[^\s#'\"][^:#]*:\s+)(?P<value>true|false|\d+)(?P<rest>\s{2,}[^#\s].*)$"
)


def short(text: str, most: int = 50) -> str:
    """``text`` cut at a word to at most ``most`` characters, for an example in a message."""
    return text if len(text) <= most else text[: most - 4].rsplit(" ", 1)[0] + " ..."


def _quoted_example(line: str) -> str:
    key, sep, value = line.strip().partition(": ")
    if not sep:
        return 'titel: "Let op: dit is een voorbeeld"'
    value = re.sub(r"\s+#.*$", "", value)  # a comment stays outside the quotes
    value = value.strip().replace("\\", "\\\\").replace('"', '\\"')
    return f'{key}: "{value}"'


def explain(exc: yaml.MarkedYAMLError, text: str, name: str) -> Issue:
    """One Dutch issue for a YAML syntax error, on the line of the mistake."""
    lines = text.splitlines()
    problem = exc.problem or ""
    context = exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    opened = _unclosed_quote(lines, max(line, 1))
    if "tab" in problem or (0 < line <= len(lines) and "\t" in lines[line - 1][:1]):
        return Issue(
            name,
            line,
            "",
            "aan het begin van deze regel staat een tab. Gebruik alleen spaties om in te springen "
            "(twee spaties per niveau).",
        )
    if "quoted scalar" in context and exc.context_mark or opened:
        start = opened or (exc.context_mark.line + 1 if exc.context_mark else line)
        text_line = lines[start - 1].strip() if 0 < start <= len(lines) else ""
        m = _QUOTE_OPEN.match(text_line)
        example = text_line + m.group("q") if m else 'start: "14:00"'
        return Issue(
            name,
            start,
            "",
            "op deze regel begint een tekst met een aanhalingsteken (\" of ') dat niet wordt "
            f"gesloten. Zet hetzelfde teken aan het einde van de tekst, zo: {example}",
        )
    for number in dict.fromkeys([exc.context_mark.line + 1 if exc.context_mark else 0, line]):
        bad = lines[number - 1] if 0 < number <= len(lines) else ""
        if m := _QUOTED_START.match(bad):
            whole = bad[m.end("key") :].strip()
            return Issue(
                name,
                number,
                "",
                "deze tekst begint met een woord tussen aanhalingstekens; YAML denkt dan dat de"
                " tekst na dat woord ophoudt. Zet de hele tekst tussen aanhalingstekens, zo: "
                + f"{m.group('key').strip()} '{whole.replace(chr(39), chr(39) * 2)}'",
            )
    for number in dict.fromkeys([exc.context_mark.line + 1 if exc.context_mark else 0, line]):
        bad = lines[number - 1] if 0 < number <= len(lines) else ""
        key, sep, value = bad.strip().lstrip("- ").partition(": ")
        value = value.strip() if sep else key
        if value[:1] in ("[", "{", "*", "&", "!", "%", "@", "`"):
            return Issue(
                name,
                number,
                "",
                f"deze tekst begint met {value[:1]!r}; YAML leest dat teken op een speciale "
                "manier. Zet de hele tekst tussen aanhalingstekens, zo: "
                + (f'{key}: "{value}"' if sep else f'"{value}"'),
            )
    bad = lines[line - 1] if 0 < line <= len(lines) else ""
    if m := _WORDS_AFTER.match(bad):  # "x: true  true = ...: ...": a comment lost its "#"
        rest = short(m.group("rest").strip())
        return Issue(
            name,
            line,
            "",
            f'achter {m.group("value")} staat nog tekst ("{rest}"). Is dat uitleg? Zet er dan een'
            f" # voor, zo: {m.group('key').strip()} {m.group('value')}  # {rest}",
        )
    if "mapping values are not allowed" in problem:
        example = _quoted_example(lines[line - 1]) if 0 < line <= len(lines) else ""
        return Issue(
            name,
            line,
            "",
            "in de tekst op deze regel staat een dubbele punt met een spatie erna (': '). YAML "
            "leest dat als een nieuwe naam. Zet de hele tekst tussen aanhalingstekens"
            + (f", zo: {example}" if example else ".")
            + " Of gebruik geen dubbele punt in de zin.",
        )
    if "simple key" in context and exc.context_mark:
        return Issue(
            name,
            exc.context_mark.line + 1,
            "",
            "deze regel past niet bij de regels erboven. Staat hij midden in een tekst? Laat hem "
            "dan met evenveel spaties beginnen als de rest van die tekst. Is het een nieuwe "
            "regel? Schrijf hem als 'naam: waarde', bijvoorbeeld: title: Spiegelbijeenkomsten",
        )
    if "expected '-'" in problem or "block collection" in context:
        return Issue(
            name,
            line,
            "",
            "deze regel springt niet goed in binnen de lijst. Elk onderdeel van een lijst "
            "begint met '- '; de regels eronder beginnen met evenveel spaties als de tekst na "
            "het streepje.",
        )
    if "expected key" in problem or "block end" in problem or "block mapping" in context:
        return Issue(
            name,
            line,
            "",
            "deze regel springt niet goed in: er staan meer of minder spaties aan het begin dan "
            "bij de regels erboven die erbij horen. Zet hem recht onder die regels. Staat er een "
            "dubbele punt of aanhalingsteken in een tekst op de regel ervoor? Zet die tekst dan "
            "tussen aanhalingstekens.",
        )
    return Issue(name, line, "", GENERIC)
