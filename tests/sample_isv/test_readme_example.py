"""The worked signature example of the README's ISV integration guide is right: its values
are what orders/isv/signing.py (the marketplace) and the sample ISV compute."""

import hashlib
import hmac
import json
import re
from pathlib import Path

from orders.isv.signing import canonical_body, kit_signature, url_signature
from sample_isv import server

README = Path(__file__).resolve().parents[2] / "README.md"


def example() -> dict[str, str]:
    section = README.read_text().split("## ISV integration guide", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^([\w -]+?)\s+= (.+)$", section, re.M))


def test_url_signature_example():
    values = example()
    key, nonce, timestamp = values["key"], values["nonce"], values["timestamp"]
    body = json.loads(values["body"])

    assert canonical_body(body) == values["payload"]
    digest = hmac.new(key.encode(), values["payload"].encode(), hashlib.sha256).hexdigest()
    assert digest == values["bodyDigest"]
    assert key + nonce + timestamp + digest == values["canonical"]
    assert (
        url_signature(key=key, nonce=nonce, timestamp=timestamp, body=body) == (values["signature"])
    )
    sample = server.signature(key, body, timestamp=timestamp, nonce=nonce)
    assert sample.upper() == values["signature"]
    assert f"signature={values['signature']}&timestamp={timestamp}&nonce={nonce}" in (values["URL"])


def test_kit_signature_example():
    values = example()
    key, nonce, timestamp = values["key"], values["nonce"], values["timestamp"]
    body = json.loads(values["kit body"])

    assert canonical_body(body) == values["kit body"]
    assert kit_signature(key=key, nonce=nonce, timestamp=timestamp, body=body) == (values["x-sign"])
    assert (
        server.kit_signature(key, body, timestamp=timestamp, nonce=nonce).upper()
        == (values["x-sign"])
    )
