"""A bounded, readable comparison of two versions of something an operator reviews.

Operators compare what is on sale with what a seller submitted. Sellers write what they
like - a 2 MB description, 500 changed lines - so the comparison is bounded: a line-level
diff (never per character), skipped for a field larger than `MAX_FIELD_CHARS` /
`MAX_FIELD_LINES` ("too long to compare, download both"), and at most `MAX_SHOWN_LINES`
diff lines shown per field. Changed fields come first; unchanged ones are folded.

The caller gives the fields as `Section`s (key, label, old text, new text); this module
knows nothing of products.
"""

from __future__ import annotations

import bisect
import difflib
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.html import format_html_join
from django.utils.translation import gettext as _

# Above either bound (per side) a field is not compared at all: the operator downloads both.
MAX_FIELD_CHARS = 100_000
MAX_FIELD_LINES = 3_000
# Diff lines shown per field; the rest is counted, and both versions can be downloaded.
MAX_SHOWN_LINES = 300
CONTEXT_LINES = 2


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    old: str
    new: str


@dataclass
class FieldDiff:
    key: str
    label: str
    changed: bool
    too_long: bool = False
    # (kind, text): kind is "same", "del", "add" or "gap" (unchanged lines left out).
    lines: list[tuple[str, str]] = field(default_factory=list)
    hidden_lines: int = 0  # changed lines not shown (above MAX_SHOWN_LINES)
    old_size: int = 0
    new_size: int = 0
    old_url: str = ""  # download links of the full text of each side
    new_url: str = ""

    def lines_html(self) -> str:
        """The lines as HTML, every text escaped (built here, not in a template loop:
        a few hundred lines per field render in a few milliseconds)."""
        marks = {"del": "−", "add": "+", "same": ""}
        rows = [
            ("gap", "⋯", _("unchanged lines")) if kind == "gap" else (kind, marks[kind], text)
            for kind, text in self.lines
        ]
        return format_html_join(
            "\n",
            '<div class="line {}"><span class="mark">{}</span><span class="text">{}</span></div>',
            rows,
        )


def _too_long(text: str) -> bool:
    return len(text) > MAX_FIELD_CHARS or text.count("\n") >= MAX_FIELD_LINES


# --- matching lines, in bounded time ---------------------------------------------------------
#
# difflib.SequenceMatcher alone is quadratic on some ordinary inputs (every other line of a
# 2,000-line text changed takes seconds), so it only ever runs on short stretches. The lines
# that occur exactly once on each side are matched first (a patience diff: the longest run
# of them in the same order); difflib then matches the stretches between two such anchors
# when they are small, and a large stretch is shown as replaced.

MAX_STRETCH_WORK = 40_000  # len(old stretch) × len(new stretch) that difflib may match
Opcode = tuple[str, int, int, int, int]


def _anchors(a: list[str], b: list[str], alo: int, ahi: int, blo: int, bhi: int):
    """(i, j) of the lines unique on both sides, the longest run in the same order."""
    count_a: dict[str, int] = {}
    for line in a[alo:ahi]:
        count_a[line] = count_a.get(line, 0) + 1
    where_b: dict[str, int] = {}
    count_b: dict[str, int] = {}
    for j in range(blo, bhi):
        count_b[b[j]] = count_b.get(b[j], 0) + 1
        where_b[b[j]] = j
    pairs = [
        (i, where_b[a[i]]) for i in range(alo, ahi) if count_a[a[i]] == 1 and count_b.get(a[i]) == 1
    ]
    # Longest increasing subsequence of the j's (patience sorting, with back links).
    tails: list[int] = []  # index in pairs of the smallest tail of each length
    tail_js: list[int] = []  # their j's, for the binary search
    back: list[int] = [-1] * len(pairs)
    for k, (_i, j) in enumerate(pairs):
        pos = bisect.bisect_left(tail_js, j)
        back[k] = tails[pos - 1] if pos else -1
        if pos == len(tails):
            tails.append(k)
            tail_js.append(j)
        else:
            tails[pos] = k
            tail_js[pos] = j
    run: list[tuple[int, int]] = []
    k = tails[-1] if tails else -1
    while k != -1:
        run.append(pairs[k])
        k = back[k]
    return run[::-1]


def _stretch(a, b, alo, ahi, blo, bhi, ops: list[Opcode]) -> None:
    if alo == ahi and blo == bhi:
        return
    if alo == ahi:
        ops.append(("insert", alo, ahi, blo, bhi))
    elif blo == bhi:
        ops.append(("delete", alo, ahi, blo, bhi))
    elif (ahi - alo) * (bhi - blo) <= MAX_STRETCH_WORK and not set(a[alo:ahi]).isdisjoint(
        b[blo:bhi]
    ):
        matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
        ops.extend(
            (tag, i1 + alo, i2 + alo, j1 + blo, j2 + blo)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        )
    else:
        ops.append(("replace", alo, ahi, blo, bhi))


def _opcodes(a: list[str], b: list[str]) -> list[Opcode]:
    """Like SequenceMatcher.get_opcodes(), in about linear time (see above)."""
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a, end_b = end_a - 1, end_b - 1
    ops: list[Opcode] = [("equal", 0, start, 0, start)] if start else []
    i, j = start, start
    for ai, bj in _anchors(a, b, start, end_a, start, end_b):
        _stretch(a, b, i, ai, j, bj, ops)
        ops.append(("equal", ai, ai + 1, bj, bj + 1))
        i, j = ai + 1, bj + 1
    _stretch(a, b, i, end_a, j, end_b, ops)
    if end_a < len(a):
        ops.append(("equal", end_a, len(a), end_b, len(b)))
    merged: list[Opcode] = []
    for op in ops:  # join neighbouring equal runs, as difflib does
        if merged and op[0] == merged[-1][0] == "equal":
            last = merged[-1]
            merged[-1] = ("equal", last[1], op[2], last[3], op[4])
        else:
            merged.append(op)
    return merged


def _grouped(ops: list[Opcode], n: int):
    """The opcodes in groups of changes with `n` equal lines around them: difflib's
    SequenceMatcher.get_grouped_opcodes, over these opcodes."""
    codes = list(ops) or [("equal", 0, 1, 0, 1)]
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = tag, max(i1, i2 - n), i2, max(j1, j2 - n), j2
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > 2 * n:  # a long unchanged run ends the group
            group.append((tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)))
            yield group
            group = []
            i1, j1 = max(i1, i2 - n), max(j1, j2 - n)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        yield group


def line_diff(old: str, new: str) -> tuple[list[tuple[str, str]], int]:
    """The changed lines with `CONTEXT_LINES` around them, at most `MAX_SHOWN_LINES`;
    and how many changed lines were left out."""
    a, b = old.splitlines(), new.splitlines()
    shown: list[tuple[str, str]] = []
    hidden = 0
    for index, group in enumerate(_grouped(_opcodes(a, b), CONTEXT_LINES)):
        if (index or group[0][1] > 0) and len(shown) < MAX_SHOWN_LINES:
            shown.append(("gap", ""))
        for tag, i1, i2, j1, j2 in group:
            room = max(0, MAX_SHOWN_LINES - len(shown))
            if tag == "equal":
                shown.extend(("same", line) for line in a[i1 : min(i2, i1 + room)])
                continue
            if not room:  # past the cap: only count
                hidden += (i2 - i1) + (j2 - j1)
                continue
            deleted, added = a[i1:i2], b[j1:j2]
            # Over the cap, keep the start of both sides rather than only the old one.
            keep_del = min(len(deleted), max(room // 2, room - len(added)))
            keep_add = min(len(added), room - keep_del)
            shown.extend(("del", line) for line in deleted[:keep_del])
            shown.extend(("add", line) for line in added[:keep_add])
            hidden += len(deleted) - keep_del + len(added) - keep_add
    return shown, hidden


def compare(sections: list[Section]) -> list[FieldDiff]:
    """Each section compared: the changed ones first (in their order), then the others."""
    changed: list[FieldDiff] = []
    unchanged: list[FieldDiff] = []
    for section in sections:
        result = FieldDiff(
            key=section.key,
            label=section.label,
            changed=section.old != section.new,
            old_size=len(section.old),
            new_size=len(section.new),
        )
        if not result.changed:
            unchanged.append(result)
            continue
        if _too_long(section.old) or _too_long(section.new):
            result.too_long = True
        else:
            result.lines, result.hidden_lines = line_diff(section.old, section.new)
        changed.append(result)
    return changed + unchanged


def render(
    sections: list[Section],
    *,
    old_title: str,
    new_title: str,
    old_url=None,
    new_url=None,
) -> str:
    """The comparison as HTML (templates/admin/review_diff.html escapes every text).

    `old_url(key)` / `new_url(key)` give the download link of a field's full text, shown
    when it is too long to compare or when lines were left out.
    """
    diffs = compare(sections)
    for diff in diffs:
        diff.old_url = old_url(diff.key) if old_url else ""
        diff.new_url = new_url(diff.key) if new_url else ""
    return render_to_string(
        "admin/review_diff.html",
        {
            "changed": [d for d in diffs if d.changed],
            "unchanged": [d for d in diffs if not d.changed],
            "old_title": old_title,
            "new_title": new_title,
            "max_field_chars": MAX_FIELD_CHARS,
            "max_field_lines": MAX_FIELD_LINES,
        },
    )
