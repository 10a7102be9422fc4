"""appInfo `userName` / `password` (isv-api-reference §2.3): decrypt what the seller's
server encrypted, so that the buyer sees the credentials in purchased services.

Format: `value = iv + base64(AES/CBC/PKCS5Padding(plaintext UTF-8))`, the first 16
characters being the IV (alphanumeric, used as the IV bytes). Key: the official Java sample
derives it with `KeyGenerator("AES").init(size, SecureRandom.getInstance("SHA1PRNG")`
seeded with the access key's bytes) — 256 bit when `encryptType` is "1" (the default),
128 bit when "2". We reproduce the Sun SHA1PRNG (`sun.security.provider.SecureRandom`)
exactly: a seed set before any output replaces the state with SHA-1(seed); every
20-byte output block is SHA-1(state), after which the state becomes
state + output + 1 (mod 2^160, little-endian over the bytes, Java's signed-byte carry;
`updateState`). For a 128-bit key this is the well-known SHA-1(SHA-1(seed))[:16].
The key is the product interface's access key (the one that signs the calls).

When a value can't be decrypted (not in this format, another key, a seller that sends
plain text), it is shown as returned; `decrypt_value` returns None then.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

IV_LENGTH = 16


def _signed(byte: int) -> int:
    return byte - 256 if byte > 127 else byte


def _update_state(state: bytearray, output: bytes) -> None:
    last = 1
    changed = False
    for i in range(len(state)):
        v = _signed(state[i]) + _signed(output[i]) + last
        t = v & 0xFF
        changed = changed or state[i] != t
        state[i] = t
        last = v >> 8
    if not changed:
        state[0] = (state[0] + 1) & 0xFF


def sha1prng_bytes(seed: bytes, length: int) -> bytes:
    """The first `length` bytes of Java's SHA1PRNG seeded with `seed` before any use."""
    state = bytearray(hashlib.sha1(seed).digest())  # noqa: S324 - Java's algorithm
    out = b""
    while len(out) < length:
        block = hashlib.sha1(bytes(state)).digest()  # noqa: S324
        _update_state(state, block)
        out += block
    return out[:length]


def aes_key(access_key: str, encrypt_type: str | int | None = "1") -> bytes:
    size = 16 if str(encrypt_type or "1") == "2" else 32
    return sha1prng_bytes(access_key.encode(), size)


def encrypt_value(plaintext: str, *, access_key: str, iv: str, encrypt_type="1") -> str:
    """The seller's side (for tests and the sample): iv + base64(ciphertext)."""
    if len(iv) != IV_LENGTH:
        raise ValueError("the IV must have 16 characters")
    padder = padding.PKCS7(128).padder()
    data = padder.update(plaintext.encode()) + padder.finalize()
    encryptor = Cipher(
        algorithms.AES(aes_key(access_key, encrypt_type)), modes.CBC(iv.encode())
    ).encryptor()
    return iv + base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


def decrypt_value(value: str, *, access_key: str, encrypt_type="1") -> str | None:
    """The plaintext of an encrypted appInfo value, or None if it can't be decrypted."""
    if not isinstance(value, str) or len(value) <= IV_LENGTH:
        return None
    iv = value[:IV_LENGTH].encode()
    try:
        data = base64.b64decode(value[IV_LENGTH:], validate=True)
        if len(iv) != IV_LENGTH or not data or len(data) % 16:
            return None
        decryptor = Cipher(
            algorithms.AES(aes_key(access_key, encrypt_type)), modes.CBC(iv)
        ).decryptor()
        padded = decryptor.update(data) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return (unpadder.update(padded) + unpadder.finalize()).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
