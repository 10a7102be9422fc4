"""The Simplified Chinese catalogue is complete and its placeholders match the English."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as handle:
        return read_po(handle, locale="zh_Hans")


def test_every_message_is_translated_and_none_is_fuzzy(catalog):
    missing = [
        message.id
        for message in catalog
        if message.id
        and (
            message.fuzzy
            or not all(message.string if isinstance(message.string, tuple) else [message.string])
        )
    ]
    assert missing == []


def test_placeholders_match(catalog):
    # Babel's checkers compare python-format placeholders of msgid and msgstr.
    problems = [(message.id, errors) for message, errors in catalog.check() if errors]
    assert problems == []


def test_the_compiled_catalogue_is_used():
    with translation.override("zh-hans"):
        assert translation.gettext("Seller center") == "卖家中心"
        assert translation.gettext("Buyer center") == "买家中心"
