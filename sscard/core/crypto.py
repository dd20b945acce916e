"""The process's field cipher, keyed from settings (never from the repository).

Field keys carry a version (1-255). Every encrypted field value leads with the version of the
key it was written under (version 1 is the original format byte, so values written before
versions existed read as version 1); lookup indexes are computed per version, and a lookup
asks for the indexes of every live version, so rows written under an older key are still found
while ``sscard keys rotate`` moves them to the current one. Writing always uses the current
(highest) version. A retired version (``sscard keys retire``) is no longer accepted.

Wrapped secrets (card and CA private keys) follow the same versions: a wrap names the version
of the key-wrapping key it was made under (see :func:`secret_wrap`), and rotation re-wraps them.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from functools import cache, lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from sscard.kernel import masks
from sscard.kernel.errors import KernelError
from sscard.kernel.gm import FieldCipher, GmError, hmac_sm3, sm4_gcm_decrypt, sm4_gcm_encrypt

ID_NUMBER = "id_number"
PHONE = "phone"
PHONE_TAIL = "phone_tail"
"""The index field of a phone's last four digits (``kernel.masks.phone_tail``): its own HMAC
domain, so a tail's index never equals any full number's."""

RETIRED_CACHE_SECONDS = 30.0
"""How long a process trusts its list of retired versions before asking the database again."""


_KEY_MESSAGES: dict[str, tuple[str, str]] = {
    "field_key_unknown": (
        "该数据以未配置的字段密钥版本加密。",
        "The value was written under a field key version that is not configured.",
    ),
    "field_key_retired": (
        "该数据以已停用的字段密钥版本加密。",
        "The value was written under a retired field key version.",
    ),
}


class FieldKeyRefused(GmError):
    """A value names a key version this process does not accept (unknown or retired)."""

    def __init__(self, code: str, details: dict[str, object] | None = None) -> None:
        zh, en = _KEY_MESSAGES[code]
        KernelError.__init__(self, code, zh, en, details)


@lru_cache(maxsize=1)
def _masters() -> dict[int, bytes]:
    configured = getattr(settings, "SSCARD_FIELD_KEYS", None) or {1: settings.SSCARD_FIELD_KEY}
    masters = {int(version): bytes.fromhex(key) for version, key in configured.items()}
    if not masters or any(not 1 <= v <= 255 for v in masters):
        raise GmError("field_key_invalid")
    return masters


@cache
def _cipher(version: int) -> FieldCipher:
    return FieldCipher.from_master(_masters()[version])


def current_key_version() -> int:
    """The version new values are written under: the highest configured one."""
    return max(_masters())


def configured_key_versions() -> tuple[int, ...]:
    """Every version whose key this process holds, newest first."""
    return tuple(sorted(_masters(), reverse=True))


_RetiredProvider = Callable[[], Iterable[int]]
_retired_provider: _RetiredProvider | None = None
_retired_cache: tuple[float, frozenset[int]] | None = None
_retired_lock = threading.Lock()


def register_retired_versions(provider: _RetiredProvider) -> None:
    """Tell the keyring where retirements are recorded (the registry does, at start-up)."""
    global _retired_provider
    _retired_provider = provider
    forget_retired_versions()


def forget_retired_versions() -> None:
    """Drop the cached retirements, so the next use asks again (after a retirement)."""
    global _retired_cache
    with _retired_lock:
        _retired_cache = None


def retired_key_versions() -> frozenset[int]:
    """Versions recorded as retired; cached for ``RETIRED_CACHE_SECONDS``."""
    global _retired_cache
    provider = _retired_provider
    if provider is None or len(_masters()) == 1:
        return frozenset()  # the only key is the current one, which cannot be retired
    now = time.monotonic()
    with _retired_lock:
        cached = _retired_cache
    if cached is not None and now - cached[0] < RETIRED_CACHE_SECONDS:
        return cached[1]
    retired = frozenset(provider())
    with _retired_lock:
        _retired_cache = (now, retired)
    return retired


def live_key_versions() -> tuple[int, ...]:
    """Versions still accepted for reading and lookups, newest (current) first."""
    retired = retired_key_versions()
    return tuple(v for v in configured_key_versions() if v not in retired)


def _check_accepted(version: int) -> None:
    if version not in _masters():
        raise FieldKeyRefused("field_key_unknown", {"version": version})
    if version in retired_key_versions():
        raise FieldKeyRefused("field_key_retired", {"version": version})


def _accepted_cipher(version: int) -> FieldCipher:
    _check_accepted(version)
    return _cipher(version)


def key_version_of(blob: bytes | memoryview) -> int:
    """The key version an encrypted value was written under (its first byte)."""
    if len(blob) == 0:
        raise GmError("field_auth_failed")
    return int(blob[0])


class VersionedFieldCipher:
    """The field cipher of one key version; opens values of every live version.

    Same interface as :class:`~sscard.kernel.gm.FieldCipher`: ``encrypt*`` and ``index*``
    use this version's key, ``decrypt*`` use the key each value names.
    """

    __slots__ = ("_inner", "version")

    def __init__(self, version: int) -> None:
        if not 1 <= version <= 255:
            raise GmError("field_key_invalid")
        self.version = version
        self._inner = _cipher(version)

    def __repr__(self) -> str:
        return f"VersionedFieldCipher(version={self.version})"

    def encrypt(self, value: str, *, field: str) -> bytes:
        return self.encrypt_many([value], field=field)[0]

    def encrypt_many(self, values: Sequence[str], *, field: str) -> list[bytes]:
        head = bytes([self.version])
        # The kernel's blob starts with its format byte (1); the key version takes its place.
        return [head + blob[1:] for blob in self._inner.encrypt_many(values, field=field)]

    def decrypt(self, blob: bytes, *, field: str) -> str:
        return self.decrypt_many([blob], field=field)[0]

    def decrypt_many(self, blobs: Sequence[bytes], *, field: str) -> list[str]:
        by_version: dict[int, list[int]] = {}
        for i, blob in enumerate(blobs):
            by_version.setdefault(key_version_of(blob), []).append(i)
        out: list[str] = [""] * len(blobs)
        for version, positions in by_version.items():
            inner = _accepted_cipher(version)
            opened = inner.decrypt_many(
                [b"\x01" + bytes(blobs[i][1:]) for i in positions], field=field
            )
            for i, plain in zip(positions, opened, strict=True):
                out[i] = plain
        return out

    def index(self, value: str, *, field: str) -> bytes:
        return self._inner.index(value, field=field)

    def index_many(self, values: Sequence[str], *, field: str) -> list[bytes]:
        return self._inner.index_many(values, field=field)


def field_cipher(version: int | None = None) -> VersionedFieldCipher:
    """Encrypts personal identifiers (SM4) and computes their keyed SM3 lookup index.

    Without ``version``: the current key, the one every write uses.
    """
    return _versioned(current_key_version() if version is None else version)


@cache
def _versioned(version: int) -> VersionedFieldCipher:
    return VersionedFieldCipher(version)


def field_key_masters() -> dict[int, bytes]:
    """Every configured master key by version (for worker processes of a bulk import)."""
    return dict(_masters())


def id_number_index(id_number: str) -> bytes:
    """The index under the current key: what a new or rewritten row stores."""
    return field_cipher().index(id_number, field=ID_NUMBER)


def phone_index(phone: str) -> bytes:
    return field_cipher().index(phone, field=PHONE)


def id_number_indexes(id_number: str) -> list[bytes]:
    """The index under every live key: what a lookup asks for (``id_number_index__in``)."""
    return [_cipher(v).index(id_number, field=ID_NUMBER) for v in live_key_versions()]


def phone_indexes(phone: str) -> list[bytes]:
    return [_cipher(v).index(phone, field=PHONE) for v in live_key_versions()]


def phone_tail_index(phone: str) -> bytes | None:
    """The index of a full phone's last four digits under the current key (what a row stores
    beside the phone); None for a number too short to have them."""
    tail = masks.phone_tail(phone)
    return field_cipher().index(tail, field=PHONE_TAIL) if tail else None


def phone_tail_indexes(tail: str) -> list[bytes]:
    """The index of four trailing digits under every live key: what a search asks for."""
    return [_cipher(v).index(tail, field=PHONE_TAIL) for v in live_key_versions()]


def id_number_index_matches(id_number: str, stored: bytes | memoryview) -> bool:
    """Whether ``stored`` is the index of ``id_number`` under some live key (constant time)."""
    stored = bytes(stored)
    found = False
    for index in id_number_indexes(id_number):
        found |= hmac.compare_digest(index, stored)
    return found


@lru_cache(maxsize=1)
def _row_digest_cipher() -> FieldCipher:
    return FieldCipher.from_master(bytes.fromhex(settings.SSCARD_FIELD_KEY))


def row_digest(text: str, *, kind: str) -> bytes:
    """The keyed digest of an imported row of public data (employers, schools, outlets).

    Keyed under ``SSCARD_FIELD_KEY`` (version 1), which rotation leaves in place for this
    digest alone: these rows hold no personal identifier, and a stable digest keeps the
    re-import of an unchanged file a no-op after a rotation. Same value as before versions.
    """
    return _row_digest_cipher().index(text, field=f"row:{kind}")


def mask_phone(phone: str) -> str:
    """``*******1234``: the one rule of ``sscard.kernel.masks``."""
    return masks.mask_phone(phone)


WRAP_MAGIC = b"sskw"
"""How a versioned wrap starts: ``sskw || key version (1 byte) || SM4-GCM blob``."""
_WRAP_HEAD = len(WRAP_MAGIC) + 1


@cache
def _wrapping_key(version: int) -> bytes:
    # A key of its own per field-key version, derived from that version's master secret, so
    # that the field cipher's keys and the key-wrapping key never protect each other's
    # material. Version 1's is the one every wrap used before wraps named a version; rotation
    # re-wraps under the current version, so retiring a version leaves no wrap needing it.
    return hmac_sm3(_masters()[version], b"sscard/key-wrap/v1")[:16]


def wrap_key_version_of(blob: bytes | memoryview) -> int:
    """The key version a :func:`secret_wrap` blob was made under; 1 for a wrap without a head.

    A wrap made before wraps named a version is a bare SM4-GCM blob whose random nonce starts
    with ``sskw`` once in 2^32: :func:`secret_unwrap` tries that reading too when the versioned
    one fails, this function (like the counts of ``sscard keys status``) does not.
    """
    head = bytes(blob[:_WRAP_HEAD])
    if len(blob) > _WRAP_HEAD and head[: len(WRAP_MAGIC)] == WRAP_MAGIC:
        return head[-1]
    return 1


def secret_wrap(secret: bytes, *, label: str, version: int | None = None) -> bytes:
    """SM4-GCM-wrap a private key (or any secret) bound to ``label`` (e.g. ``card:42``).

    The label is authenticated: a wrapped key copied onto another row does not open there.
    Without ``version``: under the current key version, which the blob names.
    """
    version = current_key_version() if version is None else version
    if version not in _masters():
        raise FieldKeyRefused("field_key_unknown", {"version": version})
    sealed = sm4_gcm_encrypt(_wrapping_key(version), secret, label.encode())
    return WRAP_MAGIC + bytes([version]) + sealed


def secret_unwrap(blob: bytes | memoryview, *, label: str) -> bytes:
    """Open a :func:`secret_wrap` blob; ``GmError("sm4_auth_failed")`` if it is not ``label``'s.

    A wrap made under a version this process does not accept (unknown or retired) is refused
    like a field value (``FieldKeyRefused``); a wrap without a version head is version 1's.
    """
    data = bytes(blob)
    aad = label.encode()
    if len(data) > _WRAP_HEAD and data[: len(WRAP_MAGIC)] == WRAP_MAGIC:
        version = data[len(WRAP_MAGIC)]
        try:
            _check_accepted(version)
            return sm4_gcm_decrypt(_wrapping_key(version), data[_WRAP_HEAD:], aad)
        except GmError as exc:
            refused = exc
        # A wrap made before versions whose nonce happens to start with the magic.
        try:
            return _legacy_unwrap(data, aad)
        except GmError:
            raise refused from None
    return _legacy_unwrap(data, aad)


def _legacy_unwrap(data: bytes, aad: bytes) -> bytes:
    _check_accepted(1)
    return sm4_gcm_decrypt(_wrapping_key(1), data, aad)


def forget_keys() -> None:
    """Drop every cached key (field ciphers, key-wrapping keys of every version, the row
    digest's), so the next use reads the settings again (tests, rotation)."""
    for cached in (_masters, _cipher, _versioned, _wrapping_key, _row_digest_cipher):
        cached.cache_clear()
    forget_retired_versions()


@receiver(setting_changed)
def _keys_changed(*, setting: str, **kwargs: object) -> None:
    if setting in ("SSCARD_FIELD_KEY", "SSCARD_FIELD_KEYS"):
        forget_keys()
