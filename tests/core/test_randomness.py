"""`marketplace.core.randomness`: CSRF secrets and masks from one read of the OS's
generator, still uniform, still accepted by Django's CSRF check."""

from __future__ import annotations

from collections import Counter

import pytest
from django.middleware import csrf
from django.test import Client

from marketplace.core.randomness import random_string


def test_length_and_alphabet():
    for length in (0, 1, 32, 500):
        value = random_string(length, "abc")
        assert len(value) == length and set(value) <= set("abc")
    with pytest.raises(ValueError):
        random_string(3, "")


def test_uniform_over_an_alphabet_that_does_not_divide_256():
    """62 characters (Django's CSRF alphabet): bytes 248-255 must be dropped, or the
    first eight characters would come up 5/4 as often. 200,000 draws: each character's
    count within 6 % of the mean (the bias would put eight of them 25 % above it)."""
    alphabet = csrf.CSRF_ALLOWED_CHARS
    counts = Counter(random_string(200_000, alphabet))
    mean = 200_000 / len(alphabet)
    assert set(counts) == set(alphabet)
    assert all(abs(count - mean) < 0.06 * mean for count in counts.values())


def test_django_makes_its_csrf_strings_with_it():
    assert csrf._get_new_csrf_string.__module__ == "marketplace.core.randomness"
    secrets = {csrf._get_new_csrf_string() for _ in range(100)}
    assert len(secrets) == 100
    assert all(
        len(s) == csrf.CSRF_SECRET_LENGTH and set(s) <= set(csrf.CSRF_ALLOWED_CHARS)
        for s in secrets
    )


@pytest.mark.django_db
def test_a_token_from_a_page_passes_the_csrf_check():
    """The language switch, posted with the token the page carries, is accepted; with
    another token it is refused."""
    client = Client(enforce_csrf_checks=True)
    page = client.get("/")
    token = page.context["csrf_token"] if page.context else None
    if token is None:  # the page is written from its frame: read the token from the HTML
        html = page.content.decode()
        start = html.index('name="csrfmiddlewaretoken" value="') + 34
        token = html[start : html.index('"', start)]
    assert len(token) == 2 * csrf.CSRF_SECRET_LENGTH
    ok = client.post("/i18n/setlang/", {"language": "zh-hans", "csrfmiddlewaretoken": token})
    assert ok.status_code == 302
    refused = client.post("/i18n/setlang/", {"language": "en", "csrfmiddlewaretoken": "x" * 64})
    assert refused.status_code == 403
