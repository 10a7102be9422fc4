"""The V2 signatures (isv-api-reference §2.1, §2.2), checked against the sample ISV's own
verification code — the reference server every seller copies."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from orders.isv import signing
from sample_isv import server as sample

KEY = "sample-isv-demo-access-key"
BODY = {
    "activity": "newInstance",
    "orderId": "CS1108160001",
    "orderLineId": "CS1108160001-000001",
    "businessId": "61e834ba-7b97-4418-b8f7-e5345137278c",
    "testFlag": None,
    "memo": "中文 ✓",
    "amount": 3,
}


def test_canonical_body_drops_nulls_sorts_keys_and_keeps_utf8():
    assert signing.canonical_body({"b": 1, "a": "é", "c": None}) == '{"a":"é","b":1}'
    assert signing.canonical_body(BODY) == sample.canonical_payload(BODY)


def test_url_signature_is_the_documented_formula_in_upper_case():
    nonce, timestamp = "a" * 64, "1700000000000"
    payload = signing.canonical_body(BODY)
    digest = hmac.new(KEY.encode(), payload.encode(), hashlib.sha256).hexdigest()
    expected = hmac.new(KEY.encode(), (KEY + nonce + timestamp + digest).encode(), hashlib.sha256)
    got = signing.url_signature(key=KEY, nonce=nonce, timestamp=timestamp, body=BODY)
    assert got == expected.hexdigest().upper()
    assert got.lower() == sample.signature(KEY, BODY, timestamp=timestamp, nonce=nonce)


def test_signed_url_passes_the_sample_isv_verification():
    url = signing.signed_url("https://isv.example.com/produce?tenant=7", key=KEY, body=BODY)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query["tenant"] == "7"
    assert len(query["timestamp"]) == 13 and len(query["nonce"]) == 64
    sample.verify(query, BODY, access_keys=["old", KEY], nonces=sample.NonceCache())


def test_a_tampered_body_or_another_key_is_refused_by_the_sample_isv():
    url = signing.signed_url("https://isv.example.com/produce", key=KEY, body=BODY)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    with pytest.raises(sample.Refused) as refused:
        tampered = {**BODY, "orderId": "X"}
        sample.verify(query, tampered, access_keys=[KEY], nonces=sample.NonceCache())
    assert refused.value.code == "000001"
    with pytest.raises(sample.Refused):
        sample.verify(query, BODY, access_keys=["other"], nonces=sample.NonceCache())


def test_signed_url_replaces_old_signature_parameters():
    first = signing.signed_url("https://h/p", key=KEY, body=BODY, now_ms=1, nonce="n1")
    again = signing.signed_url(first, key=KEY, body=BODY, now_ms=2, nonce="n2")
    query = parse_qs(urlsplit(again).query)
    assert query["timestamp"] == ["2"] and query["nonce"] == ["n2"]
    assert len(query["signature"]) == 1


def test_kit_headers_pass_the_sample_isv_kit_verification():
    body = {"instanceId": "i-1", "testFlag": 0, "tenantId": "t-1", "flag": 1}
    now_ms = int(time.time() * 1000)
    headers = signing.kit_headers(key=KEY, body=body, now_ms=now_ms, nonce="b" * 64)
    assert headers["x-timestamp"] == str(now_ms) and headers["x-nonce"] == "b" * 64
    payload = signing.canonical_body(body)
    expected = hmac.new(
        KEY.encode(), (KEY + "b" * 64 + str(now_ms) + payload).encode(), hashlib.sha256
    ).hexdigest()
    assert headers["x-sign"] == expected.upper()
    if hasattr(sample, "verify_kit"):
        sample.verify_kit(headers, body, access_keys=[KEY], nonces=sample.NonceCache())
