"""Checks of a product's online agreement texts (02-products › Information to fill in).

- The **product service agreement** 商品服务协议 takes effect when the buyer ticks it at
  order time, so it must not ask for anything an online agreement cannot have: blanks to
  fill in, stamps or signatures, a signing place. `agreement_problems` finds such lines.
- Joint products use the platform's three-party **service support terms** 服务支持条款.
  The template (data/support_terms_template.txt) marks the places a seller may edit:

  * ``{{name}}`` — a field: replace it with one non-empty line (e.g. the seller's name);
  * ``[[ ... ]]`` — a region: replace it (markers included) with free, non-empty text.

  Everything else must stay exactly as in the template (line endings and trailing spaces
  aside). A text that still contains ``{{`` / ``[[`` markers was not filled in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DATA_DIR = Path(__file__).resolve().parent / "data"
AGREEMENT_TEMPLATE = DATA_DIR / "agreement_template.txt"
SUPPORT_TERMS_TEMPLATE = DATA_DIR / "support_terms_template.txt"

# Traditional forms of the simplified characters in the phrases below: 蓋章 and 簽字
# are the same requirement as 盖章 and 签字.
_TRADITIONAL = {"盖": "蓋", "签": "簽", "约": "約", "订": "訂", "点": "點"}


def _phrases(*phrases: str) -> str:
    """A pattern for any of `phrases`, in simplified or traditional characters, with
    spaces allowed between the characters ("盖 章" is still 盖章)."""
    return "|".join(
        r"\s*".join(f"[{c}{_TRADITIONAL[c]}]" if c in _TRADITIONAL else c for c in phrase)
        for phrase in phrases
    )


# What makes a line unfit for an online agreement. Kept as data so that a new phrase
# is one line here plus one test.
FORBIDDEN_PATTERNS: tuple[re.Pattern, ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"_{2,}",  # ____ blanks
        r"＿+",  # full-width blanks
        r"[（(][\s\u3000]*[）)]",  # empty （ ） / ( ) placeholders
        r"[【\[][\s\u3000]*[】\]]",  # empty 【 】 / [ ] placeholders
        r"年[\s\u3000]+月[\s\u3000]+日",  # a date left blank: 年  月  日
        _phrases("盖章", "签章", "公章", "签字", "签名", "手签"),
        _phrases("签约地点", "签订地点", "签署地点", "签约地", "签订地"),
        r"\(\s*signature\s*\)|\bsignature\s*:",
        r"\bseal(?:ed)?\b|\bstamp(?:ed)?\b",
        r"\bsign(?:ing|ed)?\s+(?:place|location|at)\b|\bplace\s+of\s+signing\b",
    )
)

MAX_REPORTED_LINES = 10


@dataclass(frozen=True)
class LineProblem:
    line_number: int  # 1-based
    text: str


def _normalise(text: str) -> str:
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _folded(line: str) -> str:
    """`line` as the patterns should see it: full-width letters and brackets as their
    ASCII forms (NFKC), invisible format characters (zero-width spaces …) removed."""
    line = unicodedata.normalize("NFKC", line)
    return "".join(c for c in line if unicodedata.category(c) != "Cf")


def agreement_problems(text: str) -> list[LineProblem]:
    """The lines of `text` that contain a blank, a stamp/signature clause or a signing place.

    Each line is checked as written and folded (`_folded`), so that full-width or
    invisible characters can't hide a phrase, while "＿" alone still counts as a blank.
    """
    problems = []
    for number, line in enumerate(_normalise(text).split("\n"), start=1):
        forms = (line, _folded(line))
        if any(pattern.search(form) for pattern in FORBIDDEN_PATTERNS for form in forms):
            problems.append(LineProblem(number, line.strip()))
    return problems


def _lines_message(problems: list[LineProblem]) -> str:
    shown = "; ".join(
        _("line %(number)d: “%(text)s”") % {"number": p.line_number, "text": p.text[:80]}
        for p in problems[:MAX_REPORTED_LINES]
    )
    if len(problems) > MAX_REPORTED_LINES:
        shown += " …"
    return shown


def check_agreement(text: str) -> None:
    """Raise `ValidationError` (field ``agreement_text``) unless `text` fits online use."""
    if not (text or "").strip():
        raise ValidationError(
            {"agreement_text": _("Enter the product service agreement.")}, code="required"
        )
    problems = agreement_problems(text)
    if problems:
        raise ValidationError(
            {
                "agreement_text": _(
                    "An online agreement can't contain blanks to fill in, stamp or signature "
                    "requirements or a signing place. Fix %(lines)s."
                )
                % {"lines": _lines_message(problems)}
            },
            code="agreement_blanks",
        )


# --- Three-party service support terms -------------------------------------------------

_SLOT = re.compile(r"\{\{\s*(?P<field>\w+)\s*\}\}|\[\[(?P<region>.*?)\]\]", re.DOTALL)
_MARKERS = re.compile(r"\{\{|\}\}|\[\[|\]\]")


@dataclass(frozen=True)
class _Literal:
    text: str
    line_number: int  # of the template where it starts


@dataclass(frozen=True)
class _Slot:
    kind: str  # "field" or "region"
    name: str


@cache
def _template_parts(template: str) -> tuple[_Literal | _Slot, ...]:
    parts: list[_Literal | _Slot] = []
    position = 0
    for match in _SLOT.finditer(template):
        if match.start() > position:
            line = template.count("\n", 0, position) + 1
            parts.append(_Literal(template[position : match.start()], line))
        if match.group("field"):
            parts.append(_Slot("field", match.group("field")))
        else:
            parts.append(_Slot("region", ""))
        position = match.end()
    if position < len(template):
        parts.append(_Literal(template[position:], template.count("\n", 0, position) + 1))
    return tuple(parts)


def support_terms_template() -> str:
    return _normalise(SUPPORT_TERMS_TEMPLATE.read_text(encoding="utf-8"))


def agreement_template() -> str:
    return AGREEMENT_TEMPLATE.read_text(encoding="utf-8")


def _first_line(text: str) -> str:
    stripped = text.strip()
    return (stripped.split("\n", 1)[0] if stripped else "")[:80]


def support_terms_problems(text: str, *, template: str | None = None) -> list[str]:
    """Translated reasons why `text` is not the template with its editable places filled."""
    template = _normalise(template if template is not None else support_terms_template())
    text = _normalise(text)
    if not text:
        return [_("Enter the service support terms, starting from the platform template.")]
    if _MARKERS.search(text):
        return [
            _(
                "Fill in every editable place of the template: the text still contains "
                "{{ }} or [[ ]] markers."
            )
        ]
    parts = _template_parts(template)
    position = 0
    pending_slot: _Slot | None = None
    for part in parts:
        if isinstance(part, _Slot):
            pending_slot = part
            continue
        if pending_slot is None:
            found = part.text if text.startswith(part.text, position) else None
            at = position if found is not None else -1
        else:
            at = text.find(part.text, position)
        if at < 0:
            return [
                _(
                    "The terms differ from the platform template near template line "
                    "%(line)d (“%(text)s”). Only the marked places may be edited."
                )
                % {"line": part.line_number, "text": _first_line(part.text)}
            ]
        if pending_slot is not None:
            problem = _slot_problem(pending_slot, text[position:at])
            if problem:
                return [problem]
        position = at + len(part.text)
        pending_slot = None
    if pending_slot is not None:
        problem = _slot_problem(pending_slot, text[position:])
        if problem:
            return [problem]
    elif position != len(text):
        return [
            _("The terms have text after the end of the platform template: “%(text)s”.")
            % {"text": _first_line(text[position:])}
        ]
    return []


def _slot_problem(slot: _Slot, value: str) -> str:
    if not value.strip():
        if slot.kind == "field":
            return _("Fill in “%(name)s” in the service support terms.") % {"name": slot.name}
        return _("Fill in every editable section of the service support terms.")
    if slot.kind == "field" and "\n" in value.strip():
        return _("“%(name)s” in the service support terms must be a single line.") % {
            "name": slot.name
        }
    return ""


def check_support_terms(text: str) -> None:
    """Raise `ValidationError` (field ``support_terms_text``) unless `text` fits the template
    and, like any online agreement, has no blanks or signature clauses."""
    problems = support_terms_problems(text)
    if problems:
        raise ValidationError({"support_terms_text": problems}, code="support_terms")
    blanks = agreement_problems(text)
    if blanks:
        raise ValidationError(
            {
                "support_terms_text": _(
                    "The service support terms can't contain blanks to fill in, stamp or "
                    "signature requirements or a signing place. Fix %(lines)s."
                )
                % {"lines": _lines_message(blanks)}
            },
            code="agreement_blanks",
        )
