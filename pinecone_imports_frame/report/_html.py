"""The page's markup: its style, its tables (cards on a phone), its figures and its frame.

The page is XHTML5: every element closed, no named entity but XML's, no script, and a
style sheet of its own, so that it opens anywhere, offline, and an XML parser reads it as
well as a browser. Tables fit the page at any width: long text wraps anywhere, and below
40em (a phone) each row becomes a card whose cells are labelled.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from ._format import MISSING

logger = logging.getLogger(__name__)

#: Below this width a table's rows become cards (a phone held upright).
NARROW = "40em"

STYLE = f"""
* {{ box-sizing: border-box; }}
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
  line-height: 1.4; margin: 0 auto; padding: 1em 1.25em 3em; max-width: 80em; }}
h1 {{ font-size: 1.6em; margin: 0.3em 0; }}
h2 {{ font-size: 1.25em; margin: 1.8em 0 0.5em; padding-bottom: 0.2em;
  border-bottom: 1px solid #ddd; }}
p.period {{ font-size: 1.05em; margin: 0.3em 0; }}
p.note, footer {{ color: #555; font-size: 0.9em; }}
ul.summary li {{ margin: 0.3em 0; }}
.cards {{ display: flex; flex-wrap: wrap; gap: 0.75em; margin: 1em 0; }}
.card {{ flex: 1 1 10em; min-width: 0; border: 1px solid #ddd; border-radius: 6px;
  padding: 0.5em 0.75em; background: #fafafa; }}
.card .value {{ display: block; font-size: 1.6em; font-weight: 600;
  font-variant-numeric: tabular-nums; }}
.card .label {{ display: block; color: #444; }}
.card .more {{ display: block; color: #555; font-size: 0.9em; }}
.card.bad .value {{ color: #b3261e; }}
.table {{ max-width: 100%; overflow-x: auto; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.9em; margin: 0.5em 0; }}
th, td {{ border: 1px solid #ddd; padding: 0.3em 0.5em; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; }}
th {{ background: #f3f3f3; font-weight: 600; overflow-wrap: normal; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
td.num {{ white-space: nowrap; }}
td .uri, td .sub {{ display: block; }}
.t {{ white-space: nowrap; }}
td .sub {{ color: #555; font-size: 0.9em; }}
.tag {{ display: inline-block; font-size: 0.85em; padding: 0 0.4em; border-radius: 4px;
  background: #eee; color: #333; margin-right: 0.3em; }}
details summary {{ cursor: pointer; }}
details.more summary {{ color: #1a5fb4; }}
.name {{ white-space: nowrap; }}
details ul {{ margin: 0.3em 0; padding-left: 1.2em; }}
span[title] {{ text-decoration: underline dotted #999; }}
figure {{ margin: 1em 0; }}
figure img {{ display: block; max-width: 100%; height: auto; }}
figcaption {{ color: #555; font-size: 0.9em; }}
@media (max-width: {NARROW}) {{
  body {{ padding: 0.75em; }}
  table.data, table.data tbody, table.data tr, table.data td {{ display: block; width: 100%; }}
  table.data thead {{ position: absolute; width: 1px; height: 1px; overflow: hidden;
    clip-path: inset(50%); }}
  table.data tr {{ border: 1px solid #ddd; border-radius: 6px; margin: 0.6em 0;
    padding: 0.3em 0.6em; }}
  table.data td {{ border: 0; padding: 0.15em 0; text-align: left; white-space: normal; }}
  table.data td::before {{ content: attr(data-label) ": "; font-weight: 600; color: #444; }}
  table.data td.none {{ display: none; }}
}}
"""


@dataclass(frozen=True)
class Column:
    """A column of a table: its heading (plain text), whether it holds numbers, its share.

    ``width`` (a CSS width, e.g. ``"25%"``) guides the layout on a screen; on a phone,
    where rows are cards, it plays no part.
    """

    label: str
    numeric: bool = False
    width: str = ""


def table(columns: Sequence[Column], rows: Sequence[Sequence[str]], *, empty: str) -> str:
    """Lay out rows of markup (one string per cell) as a table that fits any width.

    Each cell carries its column's label (``data-label``), shown before it when the rows
    are cards; a cell that says nothing (a dash) is left off a card.

    Examples
    --------
    >>> print(table([Column("Day"), Column("Imports", numeric=True)], [["Mon", "3"]], empty=""))
    <div class="table"><table class="data"><thead><tr><th>Day</th><th class="num">Imports</th></tr></thead><tbody><tr><td data-label="Day">Mon</td><td class="num" data-label="Imports">3</td></tr></tbody></table></div>
    """  # noqa: E501
    if not rows:
        return f'<p class="note">{html.escape(empty)}</p>'
    heads = []
    for c in columns:
        klass = ' class="num"' if c.numeric else ""
        style = f' style="width: {c.width}"' if c.width else ""
        heads.append(f"<th{klass}{style}>{html.escape(c.label)}</th>")
    head = "".join(heads)
    body = []
    for row in rows:
        cells = []
        for column, cell in zip(columns, row, strict=True):
            classes = (["num"] if column.numeric else []) + (["none"] if cell == MISSING else [])
            klass = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f'<td{klass} data-label="{html.escape(column.label)}">{cell}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<div class="table"><table class="data"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def card(value: str, label: str, more: str = "", *, bad: bool = False) -> str:
    """One headline figure: its value, what it counts and a line more (markup each).

    Examples
    --------
    >>> card("12", "failed", bad=True)
    '<div class="card bad"><span class="value">12</span><span class="label">failed</span></div>'
    """
    extra = f'<span class="more">{more}</span>' if more else ""
    klass = "card bad" if bad else "card"
    return (
        f'<div class="{klass}"><span class="value">{value}</span>'
        f'<span class="label">{label}</span>{extra}</div>'
    )


def picture(wide: str, narrow: str, *, alt: str, size: tuple[int, int], caption: str = "") -> str:
    """Show a figure: the wide PNG, or the narrow one on a phone (base64, inline).

    Examples
    --------
    >>> picture("AAAA", "BBBB", alt="x", size=(10, 4)).startswith("<figure><picture><source")
    True
    """
    note = f"<figcaption>{caption}</figcaption>" if caption else ""
    return (
        f'<figure><picture><source media="(max-width: {NARROW})" '
        f'srcset="data:image/png;base64,{narrow}" />'
        f'<img alt="{html.escape(alt, quote=True)}" width="{size[0]}" height="{size[1]}" '
        f'src="data:image/png;base64,{wide}" /></picture>{note}</figure>'
    )


def page(*, title: str, body: str) -> str:
    """Wrap the body in the page: doctype, XHTML namespace, UTF-8, viewport, the style.

    ``title`` is markup (escaped already).

    Examples
    --------
    >>> page(title="T", body="<p>x</p>").splitlines()[0]
    '<!DOCTYPE html>'
    """
    return (
        "<!DOCTYPE html>\n"
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="en">\n'
        '<head>\n<meta charset="utf-8" />\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        f"<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
