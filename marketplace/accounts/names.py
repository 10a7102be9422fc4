"""Account names and e-mail addresses: normalised forms, keys and look-alikes.

An account name is stored NFKC-normalised (as Django's own `normalize_username` does), so
"ｂｏｂ" (full-width) is "bob". Uniqueness is decided by `name_key()`, computed in Python
and kept in a column with a unique constraint: the database's own `lower()` differs
(SQLite folds ASCII only, so "Ä-user" and "ä-user" would both be allowed there while
PostgreSQL refuses the second), and a key made in Python is the same on both.

The key is the name's *skeleton* (after Unicode TR #39): case-folded, with every
non-ASCII letter that looks like an ASCII letter or digit replaced by it (Cyrillic "а" →
"a", Greek "ο" → "o"), from the `confusable_homoglyphs` tables. Two names with one
skeleton look the same on screen, so the second is refused like a taken name. Names that
mix Latin with Cyrillic or Greek letters are refused outright: no real name needs it,
and it is the usual way to imitate another account.
"""

from __future__ import annotations

import functools
import unicodedata

from confusable_homoglyphs import categories, confusables
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Scripts whose letters imitate one another. Mixing Han, digits or punctuation with any
# of them is fine ("张三-dev", "user_2026").
_LOOKALIKE_SCRIPTS = {"LATIN", "CYRILLIC", "GREEK"}


def normalise_name(name: str) -> str:
    """The stored form of an account name: stripped and NFKC-normalised."""
    return unicodedata.normalize("NFKC", (name or "").strip())


def _fold(text: str) -> str:
    # casefold can leave non-NFKC text behind ("ß" → "ss" is fine, but some folds aren't);
    # normalising again makes the key independent of the order of the two steps.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


@functools.cache
def _ascii_lookalike(char: str) -> str:
    """The ASCII letter or digit `char` looks like, or `char` itself."""
    if char.isascii():
        return char
    candidates = sorted(
        h["c"]
        for h in confusables.confusables_data.get(char, [])
        if len(h["c"]) == 1 and h["c"].isascii() and h["c"].isalnum()
    )
    return candidates[0].lower() if candidates else char


def name_key(name: str) -> str:
    """The uniqueness key (skeleton) of an account name: equal keys look alike."""
    return "".join(_ascii_lookalike(c) for c in _fold(normalise_name(name)))


def email_key(email: str) -> str:
    """The uniqueness key of an e-mail address ("" for none): case does not matter."""
    return _fold((email or "").strip())


def name_scripts(name: str) -> set[str]:
    """The scripts (Unicode aliases: LATIN, CYRILLIC, HAN ...) of the letters of `name`."""
    return {categories.alias(c) for c in normalise_name(name) if c.isalpha()}


def validate_account_name_script(name: str) -> None:
    """Refuse names mixing Latin, Cyrillic and Greek letters (e.g. a Cyrillic "а" in "alice")."""
    if len(name_scripts(name) & _LOOKALIKE_SCRIPTS) > 1:
        raise ValidationError(
            _(
                "Use letters of one alphabet only: this name mixes Latin letters with "
                "Cyrillic or Greek ones that look alike."
            ),
            code="mixed_script",
        )
