"""Checks of a product's online agreement texts (02-products › Information to fill in).

- The **product service agreement** 商品服务协议 takes effect when the buyer ticks it at
  order time, so it must not ask for anything an online agreement cannot have: blanks,
  placeholders or empty labels to fill in, stamps or signatures, a signing place, or the
  wording of a paper contract (一式两份). `agreement_problems` finds such lines.
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


# Labels that introduce something to fill in: a line that ends right after one of them
# ("甲方：", "乙方签署：", "Signature line:") is a blank, however it is drawn.
_LABELS_ZH = (
    "甲方|乙方|丙方|买方|卖方|甲方代表|乙方代表|客户名称|公司名称|单位名称|企业名称|法定代表人"
    "|授权代表|委托代理人|代理人|联系人|联系电话|联系地址|地址|电话|传真|邮编|开户行|开户银行"
    "|账号|银行账号|税号|日期|签署日期|签订日期|签约日期|签字日期|盖章日期"
)
_LABELS_EN = (
    r"party\s+[abc]|customer\s+name|company\s+name|signature\s+line|signed\s+by|signatory"
    r"|authori[sz]ed\s+(?:representative|signatory)|legal\s+representative|date\s+of\s+signing"
    r"|signing\s+date"
)
_LABEL = (
    rf"(?:(?:{_LABELS_ZH})(?:\s*(?:签署|签字|签章|盖章|代表|签名))?|\b(?:{_LABELS_EN}))\s*[:：]"
)

# What makes a line unfit for an online agreement, by kind (the kind names the problem
# to the seller). Kept as data so that a new phrase is one line here plus one test.
# Each pattern is tried on the line as written and on its folded forms (`_forms`).
RULES: tuple[tuple[str, re.Pattern], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("blank", r"_{2,}"),  # ____ blanks
        ("blank", r"＿+"),  # full-width blanks
        ("blank", r"[（(][\s\u3000]*[）)]"),  # empty （ ） / ( ) placeholders
        ("blank", r"[【\[][\s\u3000]*[】\]]"),  # empty 【 】 / [ ] placeholders
        ("blank", r"年[\s\u3000]+月[\s\u3000]+日"),  # a date left blank: 年  月  日
        # Dots or ellipses drawn as a blank (NFKC turns "…" into "...", so 2 × "…" ≥ 4 dots).
        ("blank", r"\.{4,}|…{2,}|[·・]{3,}|。{3,}"),
        # A label with nothing after it, at the end of the line or before the next label.
        ("empty_label", rf"{_LABEL}\s*$|{_LABEL}\s{{2,}}(?={_LABEL})"),
        ("placeholder", _phrases("此处填写", "在此填写", "请填写", "待填写")),
        ("placeholder", r"(?<![a-z])x{3,}(?![a-z])|(?<![a-z])x{2,}(?=[\u4e00-\u9fff])|×{2,}|某某"),
        ("stamp_signature", _phrases("盖章", "签章", "公章", "签字", "签名", "手签")),
        ("stamp_signature", r"\(\s*signature\s*\)|\bsignature\s*:|\bsign\s+here\b"),
        ("stamp_signature", r"\bseal(?:ed)?\b|\bstamp(?:ed)?\b"),
        ("signing_place", _phrases("签约地点", "签订地点", "签署地点", "签约地", "签订地")),
        ("signing_place", r"\bsign(?:ing|ed)?\s+(?:place|location|at)\b|\bplace\s+of\s+signing\b"),
        # "本协议在北京签订": a place between 在 and the signing verb; "在买家勾选同意时
        # 视为签署" is the online acceptance, not a place, so those words end the match;
        # "由双方在线订立" / "于线上签订" is online too.
        (
            "signing_place",
            r"(?:协议|合同|条款)[^，。,;；]{0,6}?[在于](?!线|网上|平台)"
            r"(?:(?!勾选|同意|视为|点击|下单|[0-9年月日时后])[^，。,;；]){1,30}?"
            r"(?:签订|签署|签约|订立)",
        ),
        # Offline-contract wording: copies of a paper contract (一式两份 / 一式X份).
        ("offline_contract", r"一\s*式\s*[一二两三四五六七八九十0-9x×]{1,3}\s*份"),
    )
)
FORBIDDEN_PATTERNS: tuple[re.Pattern, ...] = tuple(pattern for _kind, pattern in RULES)

MAX_REPORTED_LINES = 10


def rule_kinds() -> dict[str, str]:
    """The kinds of `RULES`, translated, as the seller center explains them."""
    return {
        "blank": _("a blank to fill in"),
        "empty_label": _("a label with nothing after it"),
        "placeholder": _("a placeholder"),
        "stamp_signature": _("a stamp or signature"),
        "signing_place": _("a signing place"),
        "offline_contract": _("offline-contract wording"),
    }


@dataclass(frozen=True)
class LineProblem:
    line_number: int  # 1-based
    text: str
    kind: str = ""  # the first rule kind the line breaks (see `rule_kinds`)

    @property
    def kind_label(self) -> str:
        return rule_kinds().get(self.kind, "")


def _normalise(text: str) -> str:
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _folded(line: str) -> str:
    """`line` as the patterns should see it: full-width letters and brackets as their
    ASCII forms (NFKC), invisible format characters (zero-width spaces …) removed."""
    line = unicodedata.normalize("NFKC", line)
    return "".join(c for c in line if unicodedata.category(c) != "Cf")


# Cyrillic and Greek letters that look like Latin ones: "sеal" with a Cyrillic е is a seal.
_LOOK_ALIKES = str.maketrans(
    "аеорсухіјѕԁӏԛԝАВЕКМНОРСТХІЈЅ"  # Cyrillic
    "αεικνορτυχΑΒΕΗΙΚΜΝΟΡΤΥΧΖ",  # Greek
    "aeopcyxijsdlqwABEKMHOPCTXIJSaeikvoptuxABEHIKMNOPTYXZ",
)
# Separators slipped between the characters of a word: 盖-章, 盖.章, s·e·a·l.
_SEPARATORS = re.compile(r"(?<=\S)[-‐‑‒–—―_.·・•*~|/\\+=]+(?=\S)")


def _forms(line: str) -> tuple[str, ...]:
    """The forms of `line` the rules are tried on: as written (so "＿" alone still counts
    as a blank), folded (`_folded`), with look-alike letters as Latin ones, and that
    without separators between characters."""
    folded = _folded(line)
    latin = folded.translate(_LOOK_ALIKES)
    return (line, folded, latin, _SEPARATORS.sub("", latin))


def agreement_problems(text: str) -> list[LineProblem]:
    """The lines of `text` that an online agreement can't have: a blank, an empty label,
    a placeholder, a stamp or signature clause, a signing place or offline-contract
    wording. Disguises (full-width, invisible or look-alike characters, separators inside
    a word) don't hide a phrase (`_forms`)."""
    problems = []
    for number, line in enumerate(_normalise(text).split("\n"), start=1):
        forms = _forms(line)
        kind = next(
            (kind for kind, pattern in RULES if any(pattern.search(form) for form in forms)),
            None,
        )
        if kind is not None:
            problems.append(LineProblem(number, line.strip(), kind))
    return problems


def _lines_message(problems: list[LineProblem]) -> str:
    shown = "; ".join(
        _("line %(number)d (%(kind)s): “%(text)s”")
        % {"number": p.line_number, "kind": p.kind_label, "text": p.text[:80]}
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
                    "An online agreement can't contain blanks, placeholders or empty labels "
                    "to fill in, stamp or signature requirements, a signing place or "
                    "offline-contract wording. Fix %(lines)s."
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


def support_terms_fields(text: str, *, template: str | None = None) -> dict[str, str]:
    """The values filled into the template's ``{{name}}`` fields, e.g. ``seller_name``;
    empty when `text` does not follow the template (`support_terms_problems` says why)."""
    template = _normalise(template if template is not None else support_terms_template())
    pattern, seen = [], set()
    for part in _template_parts(template):
        if isinstance(part, _Literal):
            pattern.append(re.escape(part.text))
        elif part.kind == "field" and part.name not in seen:
            seen.add(part.name)
            pattern.append(rf"(?P<{part.name}>[^\n]*?)")
        else:
            pattern.append(r"[^\n]*?" if part.kind == "field" else r".*?")
    match = re.fullmatch("".join(pattern), _normalise(text), re.DOTALL)
    return {name: value.strip() for name, value in match.groupdict().items()} if match else {}


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
                    "The service support terms can't contain blanks, placeholders or empty "
                    "labels to fill in, stamp or signature requirements, a signing place or "
                    "offline-contract wording. Fix %(lines)s."
                )
                % {"lines": _lines_message(blanks)}
            },
            code="agreement_blanks",
        )
