"""The process's field cipher, keyed from settings (never from the repository)."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from sscard.kernel.gm import FieldCipher

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
