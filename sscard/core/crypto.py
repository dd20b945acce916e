"""The process's field cipher, keyed from settings (never from the repository)."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from sscard.kernel.gm import FieldCipher, hmac_sm3, sm4_gcm_decrypt, sm4_gcm_encrypt

ID_NUMBER = "id_number"
PHONE = "phone"


@lru_cache(maxsize=1)
def field_cipher() -> FieldCipher:
    """Encrypts personal identifiers (SM4) and computes their keyed SM3 lookup index."""
    return FieldCipher.from_master(bytes.fromhex(settings.SSCARD_FIELD_KEY))


def id_number_index(id_number: str) -> bytes:
    return field_cipher().index(id_number, field=ID_NUMBER)


def phone_index(phone: str) -> bytes:
    return field_cipher().index(phone, field=PHONE)


def mask_phone(phone: str) -> str:
    """138****1234."""
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else "*" * len(phone)


@lru_cache(maxsize=1)
def _wrapping_key() -> bytes:
    # A key of its own, derived from the master secret, so that the field cipher's keys and
    # the key-wrapping key never protect each other's material.
    return hmac_sm3(bytes.fromhex(settings.SSCARD_FIELD_KEY), b"sscard/key-wrap/v1")[:16]


def secret_wrap(secret: bytes, *, label: str) -> bytes:
    """SM4-GCM-wrap a private key (or any secret) bound to ``label`` (e.g. ``card:42``).

    The label is authenticated: a wrapped key copied onto another row does not open there.
    """
    return sm4_gcm_encrypt(_wrapping_key(), secret, label.encode())


def secret_unwrap(blob: bytes, *, label: str) -> bytes:
    """Open a :func:`secret_wrap` blob; ``GmError("sm4_auth_failed")`` if it is not ``label``'s."""
    return sm4_gcm_decrypt(_wrapping_key(), bytes(blob), label.encode())
