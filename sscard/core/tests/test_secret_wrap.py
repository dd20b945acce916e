"""Wrapped secrets name the field-key version they were wrapped under; wraps made before
versions existed (a bare SM4-GCM blob under version 1's wrapping key) still open."""

from __future__ import annotations

import os
import secrets
from typing import Any
from unittest import mock

import pytest

from sscard.core.actors import Actor
from sscard.core.crypto import (
    WRAP_MAGIC,
    FieldKeyRefused,
    current_key_version,
    secret_unwrap,
    secret_wrap,
    wrap_key_version_of,
)
from sscard.kernel.gm import GmError, hmac_sm3, sm4_gcm_decrypt, sm4_gcm_encrypt
from sscard.registry.keys import field_key_retire

# Opening a wrap asks which versions are retired (the registry's table) once two keys exist.
pytestmark = pytest.mark.django_db
SECRET = bytes(range(32))
LABEL = "card:42"


def wrapping_key(master_hex: str) -> bytes:
    """The key-wrapping key as it was derived before wraps named a version."""
    return hmac_sm3(bytes.fromhex(master_hex), b"sscard/key-wrap/v1")[:16]


def legacy_wrap(settings: Any, secret: bytes, label: str) -> bytes:
    """A wrap exactly as ``secret_wrap`` made it before versions."""
    return sm4_gcm_encrypt(wrapping_key(settings.SSCARD_FIELD_KEY), secret, label.encode())


def legacy_wrap_with_nonce(settings: Any, nonce: bytes) -> bytes:
    """A wrap made before versions whose random nonce happened to be ``nonce``."""
    with mock.patch.object(os, "urandom", return_value=nonce):
        return legacy_wrap(settings, SECRET, LABEL)


@pytest.fixture
def second_key(settings: Any) -> str:
    key = secrets.token_hex(32)
    settings.SSCARD_FIELD_KEYS = {1: settings.SSCARD_FIELD_KEY, 2: key}
    return key


def test_a_wrap_made_before_versions_still_opens_as_version_1(settings: Any) -> None:
    # given a wrap made as before versions
    blob = legacy_wrap(settings, SECRET, LABEL)
    # when it is opened / then it reads as version 1 and opens for its label only
    assert wrap_key_version_of(blob) == 1
    assert secret_unwrap(blob, label=LABEL) == SECRET
    with pytest.raises(GmError) as refused:
        secret_unwrap(blob, label="card:43")
    assert refused.value.code == "sm4_auth_failed"


def test_a_new_wrap_names_the_current_version_and_version_1_keeps_its_key(settings: Any) -> None:
    # given the only key, version 1 / when a secret is wrapped
    blob = secret_wrap(SECRET, label=LABEL)
    # then the blob names version 1, and its body is sealed under the key wraps always used
    assert current_key_version() == 1
    assert blob[:5] == WRAP_MAGIC + b"\x01"
    assert len(blob) == 4 + 1 + 12 + len(SECRET) + 16
    assert wrap_key_version_of(blob) == 1
    assert sm4_gcm_decrypt(wrapping_key(settings.SSCARD_FIELD_KEY), blob[5:], LABEL.encode()) == (
        SECRET
    )
    assert secret_unwrap(blob, label=LABEL) == SECRET
    with pytest.raises(GmError) as refused:
        secret_unwrap(blob, label="card:43")
    assert refused.value.code == "sm4_auth_failed"


def test_wraps_are_made_under_the_newest_key_and_older_ones_still_open(
    settings: Any, second_key: str
) -> None:
    # given wraps under version 1, with and without the head, and version 2 now current
    legacy = legacy_wrap(settings, SECRET, LABEL)
    under_1 = secret_wrap(SECRET, label=LABEL, version=1)
    # when a secret is wrapped
    blob = secret_wrap(SECRET, label=LABEL)
    # then it is wrapped under version 2's own wrapping key, and every wrap opens
    assert wrap_key_version_of(blob) == 2
    assert blob[:5] == WRAP_MAGIC + b"\x02"
    assert sm4_gcm_decrypt(wrapping_key(second_key), blob[5:], LABEL.encode()) == SECRET
    with pytest.raises(GmError):
        sm4_gcm_decrypt(wrapping_key(settings.SSCARD_FIELD_KEY), blob[5:], LABEL.encode())
    for wrapped in (legacy, under_1, blob):
        assert secret_unwrap(wrapped, label=LABEL) == SECRET
    # and a wrap naming a version this process has no key for is refused as such
    unknown = WRAP_MAGIC + b"\x07" + blob[5:]
    with pytest.raises(FieldKeyRefused) as refused:
        secret_unwrap(unknown, label=LABEL)
    assert refused.value.code == "field_key_unknown"
    with pytest.raises(FieldKeyRefused):
        secret_wrap(SECRET, label=LABEL, version=7)


def test_a_wrap_made_before_versions_whose_nonce_starts_like_a_head_still_opens(
    settings: Any, second_key: str
) -> None:
    # given wraps made before versions whose nonces read as a head naming version 2 (a key
    # this process holds) and version 9 (one it does not)
    for nonce in (WRAP_MAGIC + b"\x02" + b"\x00" * 7, WRAP_MAGIC + b"\x09" + b"\x00" * 7):
        blob = legacy_wrap_with_nonce(settings, nonce)
        assert blob.startswith(nonce)
        # when it is opened / then the versioned reading fails and the original one opens
        assert secret_unwrap(blob, label=LABEL) == SECRET
        # and a wrong label is still refused
        with pytest.raises(GmError):
            secret_unwrap(blob, label="card:43")


def test_a_wrap_under_a_retired_version_is_refused(settings: Any, second_key: str) -> None:
    # given wraps under version 1 (with and without the head) and one under version 2
    legacy = legacy_wrap(settings, SECRET, LABEL)
    under_1 = secret_wrap(SECRET, label=LABEL, version=1)
    under_2 = secret_wrap(SECRET, label=LABEL)
    # when version 1 is retired (nothing stored uses it here)
    field_key_retire(actor=Actor.system("test"), version=1)
    # then the version-1 wraps are refused as retired, and the version-2 one opens
    for wrapped in (legacy, under_1):
        with pytest.raises(FieldKeyRefused) as refused:
            secret_unwrap(wrapped, label=LABEL)
        assert refused.value.code == "field_key_retired"
    assert secret_unwrap(under_2, label=LABEL) == SECRET
