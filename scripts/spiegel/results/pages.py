"""Pages for published groepsevaluatie results: an inline SVG chart and the same figures in a table."""

from __future__ import annotations

from html import escape
from typing import Any

from spiegel.content.model import Content, anonymity_texts
from spiegel.results.disclosure import OTHERS, SELF
from spiegel.results.package import DOWNLOAD_DIR, Published

ROW_H, LABEL_W, BAR_W = 46, 8, 220  # bars under the statement text: 338 units wide
WRAP = 40  # characters per line of statement text (13 px text stays >= 12 px at 360 px)


def _fmt(value: str) -> str:
    return value.replace(".", ",") if value else "niet getoond"


def chart(ev_name: str, rows: list[dict[str, Any]], texts: dict[str, str]) -> str:
    """Horizontal bars on the 1-5 scale: zelfbeeld and anderen per statement. Values are also
    written as text next to each bar, so colour is never the only difference."""
    lines = {r["stelling"]: _wrap(f"{r['stelling']}. {texts.get(r['stelling'], '')}") for r in rows}
    row_h = [ROW_H + 20 * len(lines[r["stelling"]]) for r in rows]
    height = sum(row_h) + 40
    x = lambda v: LABEL_W + (float(v) - 1) / 4 * BAR_W  # noqa: E731
    parts = [
        f'<svg class="spiegel-chart" viewBox="0 0 {LABEL_W + BAR_W + 110} {height}" role="img"'
        f' aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-title">Zelfbeeld en beeld van anderen per stelling, {escape(ev_name)}</title>'
        '<desc id="chart-desc">Gemiddelde op een schaal van 1 tot 5. Dezelfde cijfers staan in de tabel'
        " onder de grafiek.</desc>"
    ]
    for tick in range(1, 6):
        parts.append(
            f'<text x="{x(tick):.1f}" y="14" text-anchor="middle" class="spiegel-chart__tick">{tick}</text>'
        )
    y0 = 24
    for i, r in enumerate(rows):
        label = lines[r["stelling"]]
        parts.append(
            f'<text x="0" y="{y0 + 14}" class="spiegel-chart__label">'
            + "".join(
                f'<tspan x="0" dy="{0 if j == 0 else 20}">{escape(t)}</tspan>'
                for j, t in enumerate(label)
            )
            + "</text>"
        )
        y = y0 + 20 * len(label)
        y0 += row_h[i]
        parts += [
            f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{y - 2}" y2="{y + 34}" class="spiegel-chart__grid"/>'
            for t in range(1, 6)
        ]
        for j, (key, cls, who) in enumerate(
            (("self", "self", "zelf"), ("others", "others", "anderen"))
        ):
            value = r[key]
            yy = y + j * 18
            if value:
                parts.append(
                    f'<rect x="{LABEL_W}" y="{yy}" width="{x(value) - LABEL_W:.1f}" height="14"'
                    f' class="spiegel-chart__{cls}"/>'
                    f'<text x="{x(value) + 4:.1f}" y="{yy + 12}" class="spiegel-chart__value">'
                    f"{who} {_fmt(value)}</text>"
                )
            else:
                parts.append(
                    f'<text x="{LABEL_W + 4}" y="{yy + 12}" class="spiegel-chart__value">{who}: niet getoond</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def _wrap(text: str) -> list[str]:
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= WRAP:
            out[-1] += " " + word
        else:
            out.append(word)
    return out or [""]


def _table(rows: list[dict[str, Any]], texts: dict[str, str], caption: str) -> str:
    body = "".join(
        f'<tr><th scope="row">{escape(r["stelling"])}: {escape(texts.get(r["stelling"], ""))}</th>'
        f"<td>{_fmt(r['self'])}</td><td>{_fmt(r['others'])}</td><td>{_fmt(r['gap'])}</td></tr>"
        for r in rows
    )
    return (
        f'<div class="spiegel-scroll" role="region" aria-label="{escape(caption)}" tabindex="0">'
        f'<table class="spiegel-table"><caption>{escape(caption)}</caption><thead><tr>'
        '<th scope="col">Stelling</th><th scope="col">Zelfbeeld</th><th scope="col">Anderen</th>'
        '<th scope="col">Verschil</th></tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _group_table(st: list[dict[str, str]], groups: dict[str, str], texts: dict[str, str]) -> str:
    shown = [g for g in groups if any(r["respondentgroep"] == g for r in st)]
    head = "".join(
        f'<th scope="col">{escape(groups[g])} (n={next(r["n"] for r in st if r["respondentgroep"] == g)})</th>'
        for g in shown
    )
    body = ""
    for sid in dict.fromkeys(r["stelling"] for r in st):
        cells = ""
        for g in shown:
            row = next((r for r in st if r["stelling"] == sid and r["respondentgroep"] == g), None)
            cells += f"<td>{_fmt(row['gemiddelde']) if row else 'niet getoond'}</td>"
        body += f'<tr><th scope="row">{escape(sid)}</th>{cells}</tr>'
    return (
        '<div class="spiegel-scroll" role="region" aria-label="Gemiddelde per respondentgroep" tabindex="0">'
        '<table class="spiegel-table"><caption>Gemiddelde per respondentgroep</caption>'
        f'<thead><tr><th scope="col">Stelling</th>{head}</tr></thead><tbody>{body}</tbody></table></div>'
    )


def _groups_table(ev: str, pub: Published, groups: dict[str, str]) -> str:
    """Who answered: n, invitations and response rate per group; groups left out, with why."""
    version = pub.last_version(ev).get("groepen", {})
    body = ""
    for g, name in groups.items():
        info = version.get(g)
        if not info:
            continue
        invited = int(info.get("uitgenodigd") or 0)
        if info.get("n"):
            n = int(info["n"])
            rate = f"{round(100 * n / invited)}%" if invited else "onbekend"
            body += f'<tr><th scope="row">{escape(name)}</th><td>{n}</td><td>{invited}</td><td>{rate}</td></tr>'
        else:
            why = escape(info.get("weggelaten") or "te weinig reacties")
            body += f'<tr><th scope="row">{escape(name)}</th><td colspan="3">weggelaten: {why}</td></tr>'
    if not body:
        return ""
    return (
        '<div class="spiegel-scroll" role="region" aria-label="Wie deed mee" tabindex="0">'
        '<table class="spiegel-table"><caption>Wie deed mee</caption><thead><tr>'
        '<th scope="col">Groep</th><th scope="col">Reacties</th><th scope="col">Uitgenodigd</th>'
        '<th scope="col">Respons</th></tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _theme_table(ev: str, pub: Published, themes: dict[str, str]) -> str:
    rows = [r for r in pub.themes if r["evaluatie"] == ev]
    body = ""
    for t, name in themes.items():
        own = next((r for r in rows if r["thema"] == t and r["respondentgroep"] == SELF), None)
        oth = next((r for r in rows if r["thema"] == t and r["respondentgroep"] == OTHERS), None)
        body += (
            f'<tr><th scope="row">{escape(name)}</th>'
            f"<td>{_fmt(own['gemiddelde'] if own else '')}</td>"
            f"<td>{_fmt(oth['gemiddelde'] if oth else '')}</td>"
            f"<td>{_fmt(oth['verschil'] if oth else '')}</td></tr>"
        )
    return (
        '<div class="spiegel-scroll" role="region" aria-label="Gemiddelde per thema" tabindex="0">'
        '<table class="spiegel-table"><caption>Gemiddelde per thema</caption><thead><tr>'
        '<th scope="col">Thema</th><th scope="col">Zelfbeeld</th><th scope="col">Anderen</th>'
        '<th scope="col">Verschil</th></tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def result_pages(pub: Published, content: Content) -> dict[str, str]:
    ge = content.groepsevaluatie
    texts = {s["id"]: s["text"] for s in ge["statements"]}
    groups = {g["id"]: g["name"] for g in ge["respondent_groups"]} | {OTHERS: "Anderen samen"}
    names = {e["id"]: e for e in ge["evaluations"]}
    said = anonymity_texts(ge)
    pages: dict[str, str] = {}
    published = pub.evaluations()
    lines = [
        "---",
        "title: Uitkomsten groepsevaluatie",
        "---",
        "# Uitkomsten groepsevaluatie",
        "",
        "Hier staan de uitkomsten van groepen die hun evaluatie hebben afgerond. Alle cijfers zijn",
        f"anoniem. {said['anonimiteit']}",
        "",
        said["samen_delen"],
        "",
    ]
    if published:
        lines += [
            f"- [{names[e]['name']}](/groepsevaluatie/resultaten/{e}/index.md)" for e in published
        ]
        lines += [
            "",
            "## Open data",
            "",
            "De cijfers zijn ook te downloaden als open data (Data Package met CSV-bestanden):",
            "",
            f"- [datapackage.json](/{DOWNLOAD_DIR}/datapackage.json)",
            f"- [stellingen.csv](/{DOWNLOAD_DIR}/stellingen.csv)",
            f"- [themas.csv](/{DOWNLOAD_DIR}/themas.csv)",
        ]
    else:
        lines.append("Er zijn nog geen uitkomsten gepubliceerd.")
    pages["groepsevaluatie/resultaten/index.md"] = "\n".join(lines) + "\n"
    for ev in published:
        e = names[ev]
        st = [r for r in pub.statements if r["evaluatie"] == ev]
        rows = []
        for sid in dict.fromkeys(r["stelling"] for r in st):
            own = next(
                (r for r in st if r["stelling"] == sid and r["respondentgroep"] == SELF), None
            )
            oth = next(
                (r for r in st if r["stelling"] == sid and r["respondentgroep"] == OTHERS), None
            )
            rows.append(
                {
                    "stelling": sid,
                    "self": own["gemiddelde"] if own else "",
                    "others": oth["gemiddelde"] if oth else "",
                    "gap": oth["verschil"] if oth else "",
                }
            )
        actions = [a for a in content.actions["actions"] if a["source"] == ev]
        md = [
            "---",
            f"title: Uitkomsten {e['name']}",
            "---",
            f"# Uitkomsten: {e['name']}",
            "",
            "De grafiek laat per stelling zien hoe de groep zichzelf ziet (zelfbeeld) en hoe anderen",
            'de groep zien. Een hoger getal betekent: meer eens. Staat er "niet getoond"? Dan hebben te',
            "weinig mensen die vraag beantwoord om het cijfer anoniem te laten zien, of zou het cijfer",
            "verraden wat (bijna) iedereen antwoordde.",
            f"{said['anonimiteit']} {said['samen_delen']}",
            "",
            _groups_table(ev, pub, {g["id"]: g["name"] for g in ge["respondent_groups"]}),
            "",
            _theme_table(ev, pub, ge["themes"]),
            "",
            f'<figure class="spiegel-figure">{chart(e["name"], rows, texts)}</figure>',
            "",
            _table(rows, texts, "Zelfbeeld en anderen per stelling"),
            "",
            _group_table(st, groups, texts),
            "",
        ]
        f = e.get("findings") or {}
        for key, heading in (
            ("stands_out", "Wat valt op?"),
            ("goes_well", "Wat gaat goed?"),
            ("to_improve", "Wat kan beter?"),
        ):
            items = f.get(key) or []
            if items:
                md += [f"## {heading}", "", *[f"- {escape(i)}" for i in items], ""]
        md += ["## Actieplan", ""]
        if actions:
            for a in actions:
                md.append(f"- **{escape(a['theme'])}** ({a['status']}): {escape(a['what'])}")
            md.append("")
            md.append(
                "Na zes maanden kijkt de groep of de acties werken. Zie ook [Wat we met uw feedback doen](/verbeteringen/index.md)."
            )
        else:
            md.append("Het actieplan volgt na de nabespreking.")
        pages[f"groepsevaluatie/resultaten/{ev}/index.md"] = "\n".join(md) + "\n"
    return pages
