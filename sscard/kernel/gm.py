"""Chinese national cryptography (国密): SM3, HMAC-SM3, SM4, SM2 — and field encryption.

This is the only module of sscard that touches crypto libraries. Three engines are used, each
where it is fastest and checked against the standard vectors and the ``openssl`` command line:

* SM3 and HMAC-SM3: ``hashlib``/``hmac`` (OpenSSL underneath) when they offer ``sm3``,
  otherwise ``cryptography``.
* SM4 (ECB, GCM, and the CTR keystream of :class:`FieldCipher`): ``cryptography``.
* SM2 signatures and key generation: the system OpenSSL 3 ``libcrypto`` through ``ctypes``.
  ``cryptography`` has no SM2, and a pure-Python SM2 signs about 135 times a second against
  OpenSSL's ~3,000. Signatures include ZA, computed with the signer's user ID (GM/T 0009 default
  ``1234567812345678``), exactly as ``openssl dgst -sm3 -sigopt distid:...`` does. Every
  OpenSSL object is created per call and freed before returning (except one key-generation
  context per thread, see :func:`sm2_generate_keypair`); keys are immutable, so key objects
  may be shared between threads.

File encryption (:func:`sm4_gcm_encrypt_file`)
----------------------------------------------
Card-factory files run to hundreds of megabytes, so they are encrypted as a stream in 1 MiB
chunks with constant memory, in exactly the format of :func:`sm4_gcm_encrypt`
(``nonce(12) || ciphertext || tag(16)``). GCM only knows whether the data is authentic at the
very end, so decryption writes into a temporary file beside the destination and renames it
into place only after the tag has verified: a consumer never sees unauthenticated plaintext.

Field encryption (:class:`FieldCipher`)
---------------------------------------
Personal identifiers (ID numbers, phone numbers) are stored encrypted, plus a keyed lookup
index so that equality search works without decrypting. A bulk import of a million persons
encrypts two values each, so the cost per value matters. SM4-GCM through ``cryptography`` needs
a new cipher context per value (one nonce per context), which costs 5-12 us before any data is
processed. The construction here is therefore:

* SM4 in CTR mode, counter block = ``nonce(12) || counter(32-bit big-endian, from 0)``, with a
  fresh random 12-byte nonce per value. The keystream for a whole batch of values is produced
  by ONE SM4-ECB ``update()`` over all their counter blocks and XORed in one big-integer
  operation. This is standard CTR: ``openssl enc -sm4-ctr -iv nonce||00000000`` decrypts it.
* Encrypt-then-MAC with HMAC-SM3 under an independent key, truncated to 16 bytes, over
  ``version || len(field) || field || nonce || ciphertext``. The field name in the MAC binds
  a ciphertext to its column: a phone number blob pasted into the ID-number column fails.
  The HMAC inner/outer pad states are precomputed once per (key, field), so a tag costs two
  SM3 compressions.
* Blob: ``0x01 || nonce(12) || ciphertext || tag(16)``; ciphertext is as long as the UTF-8
  value. :meth:`FieldCipher.encrypt` is :meth:`FieldCipher.encrypt_many` of one value.
* Lookup index: HMAC-SM3 under a third key over ``len(field) || field || value``, truncated to
  16 bytes; deterministic by design, so it reveals equality (that is its purpose) and nothing
  else to whoever lacks the key. Callers pass the canonical form (e.g. ``IdNumber.value``).

Random 96-bit nonces stay far from collision for the volumes of a province (2**48 values).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import hashlib
import hmac
import os
import sys
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from sscard.kernel.errors import KernelError

__all__ = [
    "DEFAULT_USER_ID",
    "SM2P256V1",
    "FieldCipher",
    "GmError",
    "Sm2Curve",
    "Sm2PrivateKey",
    "Sm2PublicKey",
    "hmac_sm3",
    "signature_from_rs",
    "signature_to_rs",
    "sm2_generate_keypair",
    "sm2_public_point",
    "sm2_sign_with_k",
    "sm2_verify_on_curve",
    "sm2_za",
    "sm3",
    "sm4_ecb_decrypt_block",
    "sm4_ecb_encrypt_block",
    "sm4_gcm_decrypt",
    "sm4_gcm_decrypt_file",
    "sm4_gcm_encrypt",
    "sm4_gcm_encrypt_file",
]

#: The default SM2 user ID of GM/T 0009-2012.
DEFAULT_USER_ID: Final = b"1234567812345678"

_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "sm4_key_invalid": ("SM4密钥必须是16字节。", "An SM4 key must be 16 bytes."),
    "sm4_block_invalid": ("SM4分组必须是16字节。", "An SM4 block must be 16 bytes."),
    "sm4_auth_failed": (
        "密文认证失败：数据被篡改、密钥错误或附加数据不符。",
        "Ciphertext authentication failed: the data was altered, or the key or the "
        "associated data is wrong.",
    ),
    "field_key_invalid": (
        "字段加密密钥长度不正确（加密密钥16字节，认证和索引密钥各32字节，主密钥至少16字节）。",
        "A field-encryption key has the wrong length (encryption 16 bytes, MAC and index 32 "
        "bytes each, master at least 16 bytes).",
    ),
    "field_name_invalid": (
        "字段名必须是1到255字节的字符串。",
        "A field name must be a string of 1 to 255 bytes.",
    ),
    "field_value_invalid": ("加密的字段值必须是字符串。", "A value to encrypt must be a string."),
    "field_auth_failed": (
        "字段密文认证失败：数据被篡改、密钥错误或不属于该字段。",
        "Field ciphertext authentication failed: the data was altered, the key is wrong, or "
        "it belongs to another field.",
    ),
    "sm2_unavailable": (
        "系统OpenSSL 3（libcrypto）不可用或不支持SM2。",
        "The system OpenSSL 3 (libcrypto) is not available or does not support SM2.",
    ),
    "sm2_key_invalid": ("SM2密钥无效或不是SM2密钥。", "The key is invalid or not an SM2 key."),
    "sm2_user_id_invalid": (
        "SM2用户标识必须是不超过8191字节的字节串。",
        "An SM2 user ID must be bytes, at most 8191 of them.",
    ),
    "sm2_operation_failed": ("SM2运算失败。", "The SM2 operation failed."),
    "signature_invalid": ("签名不是有效的DER编码。", "The signature is not valid DER."),
}


class GmError(KernelError):
    """A failure of a national-crypto operation."""

    def __init__(self, code: str, details: dict[str, Any] | None = None) -> None:
        zh, en = _MESSAGES[code]
        super().__init__(code, zh, en, details)


# --------------------------------------------------------------------------------------------
# SM3 and HMAC-SM3
# --------------------------------------------------------------------------------------------


def _hashlib_has_sm3() -> bool:
    try:
        hashlib.new("sm3", b"abc")
    except ValueError:
        return False
    return True


_HASHLIB_SM3: Final = _hashlib_has_sm3()


def sm3(data: bytes) -> bytes:
    """The SM3 digest (32 bytes) of ``data``."""
    if _HASHLIB_SM3:
        return hashlib.new("sm3", data).digest()
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    """HMAC-SM3 (RFC 2104 with SM3, 32 bytes)."""
    if _HASHLIB_SM3:
        return hmac.digest(key, data, "sm3")
    h = crypto_hmac.HMAC(key, hashes.SM3())
    h.update(data)
    return h.finalize()


_IPAD: Final = bytes(i ^ 0x36 for i in range(256))
_OPAD: Final = bytes(i ^ 0x5C for i in range(256))


class _PrefixedHmac:
    """HMAC-SM3 of ``prefix || message`` with the pad states (and the prefix) absorbed once.

    The base hash objects are never updated after construction, only copied, so one instance
    may be used from several threads.
    """

    __slots__ = ("_inner", "_key", "_outer", "_prefix")

    def __init__(self, key: bytes, prefix: bytes) -> None:
        self._key = key
        self._prefix = prefix
        if _HASHLIB_SM3:
            block = (sm3(key) if len(key) > 64 else key).ljust(64, b"\0")
            self._inner = hashlib.new("sm3", block.translate(_IPAD) + prefix)
            self._outer = hashlib.new("sm3", block.translate(_OPAD))

    def digest(self, message: bytes) -> bytes:
        if _HASHLIB_SM3:
            inner = self._inner.copy()
            inner.update(message)
            outer = self._outer.copy()
            outer.update(inner.digest())
            return outer.digest()
        return hmac_sm3(self._key, self._prefix + message)


# --------------------------------------------------------------------------------------------
# SM4
# --------------------------------------------------------------------------------------------


def _sm4_key(key: bytes) -> algorithms.SM4:
    if not isinstance(key, bytes | bytearray) or len(key) != 16:
        raise GmError("sm4_key_invalid")
    return algorithms.SM4(bytes(key))


def _sm4_raw(key: bytes) -> Cipher[modes.ECB]:
    # ECB here is the bare block function (standard vectors, CTR keystream), never a mode
    # applied to data.
    return Cipher(_sm4_key(key), modes.ECB())  # noqa: S305


def sm4_ecb_encrypt_block(key: bytes, block16: bytes, *, rounds: int = 1) -> bytes:
    """Encrypt one 16-byte block with SM4, ``rounds`` times in a row (one cipher context)."""
    if len(block16) != 16:
        raise GmError("sm4_block_invalid")
    update = _sm4_raw(key).encryptor().update
    block = bytes(block16)
    for _ in range(rounds):
        block = update(block)
    return block


def sm4_ecb_decrypt_block(key: bytes, block16: bytes) -> bytes:
    """Decrypt one 16-byte block with SM4."""
    if len(block16) != 16:
        raise GmError("sm4_block_invalid")
    return _sm4_raw(key).decryptor().update(bytes(block16))


_GCM_NONCE: Final = 12
_GCM_TAG: Final = 16


def sm4_gcm_encrypt(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """SM4-GCM with a random 12-byte nonce: ``nonce || ciphertext || tag(16)``."""
    nonce = os.urandom(_GCM_NONCE)
    enc = Cipher(_sm4_key(key), modes.GCM(nonce)).encryptor()
    if aad:
        enc.authenticate_additional_data(aad)
    ciphertext = enc.update(plaintext) + enc.finalize()
    return nonce + ciphertext + enc.tag


def sm4_gcm_decrypt(key: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    """Open a :func:`sm4_gcm_encrypt` blob; ``GmError("sm4_auth_failed")`` on any tampering."""
    algorithm = _sm4_key(key)
    if len(blob) < _GCM_NONCE + _GCM_TAG:
        raise GmError("sm4_auth_failed", {"reason": "too short"})
    nonce = blob[:_GCM_NONCE]
    tag = blob[-_GCM_TAG:]
    dec = Cipher(algorithm, modes.GCM(nonce, tag)).decryptor()
    if aad:
        dec.authenticate_additional_data(aad)
    try:
        return dec.update(blob[_GCM_NONCE:-_GCM_TAG]) + dec.finalize()
    except InvalidTag:
        raise GmError("sm4_auth_failed") from None


_FILE_CHUNK: Final = 1 << 20


@contextmanager
def _replace_on_success(dst: Path) -> Iterator[IO[bytes]]:
    """A temporary file beside ``dst`` that becomes ``dst`` only if the block succeeds.

    Beside, so that the final rename stays on one file system and is atomic. The data is
    flushed to disk before the rename, so a crash leaves either the old ``dst`` or the whole
    new one. On any exception the temporary file is removed and ``dst`` is left untouched.
    The file is created with mode 0600 (``mkstemp``): it may hold personal data.
    """
    dst = Path(dst)
    fd, tmp_name = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def sm4_gcm_encrypt_file(key: bytes, src: Path, dst: Path, *, aad: bytes = b"") -> None:
    """Encrypt the file ``src`` into ``dst`` with SM4-GCM, streaming in 1 MiB chunks.

    The output is byte for byte what :func:`sm4_gcm_encrypt` would give for the whole content
    (``nonce(12) || ciphertext || tag(16)``), so either function opens the other's output.
    ``dst`` appears only once complete.
    """
    algorithm = _sm4_key(key)
    nonce = os.urandom(_GCM_NONCE)
    enc = Cipher(algorithm, modes.GCM(nonce)).encryptor()
    if aad:
        enc.authenticate_additional_data(aad)
    with open(src, "rb") as fin, _replace_on_success(dst) as out:
        out.write(nonce)
        while chunk := fin.read(_FILE_CHUNK):
            out.write(enc.update(chunk))
        out.write(enc.finalize())
        out.write(enc.tag)


def sm4_gcm_decrypt_file(key: bytes, src: Path, dst: Path, *, aad: bytes = b"") -> None:
    """Open a file made by :func:`sm4_gcm_encrypt_file` (or :func:`sm4_gcm_encrypt`).

    The plaintext is streamed into a temporary file beside ``dst``, which is renamed to ``dst``
    only once the tag has verified. On tampering, a wrong key or wrong ``aad`` the temporary
    file is removed, ``dst`` is not created (nor changed, if it existed), and
    ``GmError("sm4_auth_failed")`` is raised.
    """
    algorithm = _sm4_key(key)
    with open(src, "rb") as fin:
        size = os.fstat(fin.fileno()).st_size
        if size < _GCM_NONCE + _GCM_TAG:
            raise GmError("sm4_auth_failed", {"reason": "too short"})
        nonce = fin.read(_GCM_NONCE)
        fin.seek(size - _GCM_TAG)
        tag = fin.read(_GCM_TAG)
        fin.seek(_GCM_NONCE)
        dec = Cipher(algorithm, modes.GCM(nonce, tag)).decryptor()
        if aad:
            dec.authenticate_additional_data(aad)
        remaining = size - _GCM_NONCE - _GCM_TAG
        with _replace_on_success(dst) as out:
            while remaining:
                chunk = fin.read(min(_FILE_CHUNK, remaining))
                if not chunk:
                    raise GmError("sm4_auth_failed", {"reason": "the file shrank while read"})
                remaining -= len(chunk)
                out.write(dec.update(chunk))
            try:
                dec.finalize()
            except InvalidTag:
                raise GmError("sm4_auth_failed") from None


# --------------------------------------------------------------------------------------------
# Field encryption
# --------------------------------------------------------------------------------------------

_FIELD_VERSION: Final = b"\x01"
_FIELD_NONCE: Final = 12
_FIELD_TAG: Final = 16
_FIELD_OVERHEAD: Final = 1 + _FIELD_NONCE + _FIELD_TAG
_INDEX_LEN: Final = 16
_BATCH: Final = 8192  # values per keystream call, to bound memory on huge inputs
_COUNTERS: Final = tuple(i.to_bytes(4, "big") for i in range(64))
_MAX_CACHED_FIELDS: Final = 256


def _counter_blocks(nonce: bytes, nblocks: int) -> bytes:
    if nblocks == 1:
        return nonce + b"\0\0\0\0"
    if nblocks <= len(_COUNTERS):
        return b"".join([nonce + c for c in _COUNTERS[:nblocks]])
    return b"".join([nonce + i.to_bytes(4, "big") for i in range(nblocks)])


def _ctr_xor(
    ecb_update: Callable[[bytes], bytes], nonces: Sequence[bytes], data: Sequence[bytes]
) -> list[bytes]:
    """SM4-CTR of every ``data[i]`` under ``nonces[i]``, with ONE block-cipher call.

    The counter blocks of all values are concatenated and encrypted together; all plaintexts,
    each zero-padded to whole blocks, are XORed with the keystream as one big integer; each
    result is cut back to its value's length.
    """
    counters: list[bytes] = []
    padded: list[bytes] = []
    for nonce, item in zip(nonces, data, strict=True):
        nblocks = (len(item) + 15) >> 4
        counters.append(_counter_blocks(nonce, nblocks))
        padded.append(item.ljust(nblocks << 4, b"\0"))
    keystream = ecb_update(b"".join(counters))
    mixed = (
        int.from_bytes(b"".join(padded), "little") ^ int.from_bytes(keystream, "little")
    ).to_bytes(len(keystream), "little")
    out: list[bytes] = []
    offset = 0
    for item in data:
        size = len(item)
        out.append(mixed[offset : offset + size])
        offset += ((size + 15) >> 4) << 4
    return out


class FieldCipher:
    """Authenticated encryption and a keyed lookup index for personal-identifier fields.

    See the module docstring for the construction. Thread-safe: no mutable cipher state is
    shared between calls.
    """

    __slots__ = ("_enc_key", "_index_cache", "_index_key", "_mac_cache", "_mac_key")

    def __init__(self, enc_key: bytes, mac_key: bytes, index_key: bytes) -> None:
        if len(enc_key) != 16 or len(mac_key) != 32 or len(index_key) != 32:
            raise GmError("field_key_invalid")
        self._enc_key = bytes(enc_key)
        self._mac_key = bytes(mac_key)
        self._index_key = bytes(index_key)
        self._mac_cache: dict[str, _PrefixedHmac] = {}
        self._index_cache: dict[str, _PrefixedHmac] = {}

    @classmethod
    def from_master(cls, master: bytes) -> FieldCipher:
        """Derive the three keys from one master secret (HMAC-SM3 with distinct labels)."""
        if len(master) < 16:
            raise GmError("field_key_invalid")
        return cls(
            hmac_sm3(master, b"sscard/field-cipher/v1/enc")[:16],
            hmac_sm3(master, b"sscard/field-cipher/v1/mac"),
            hmac_sm3(master, b"sscard/field-cipher/v1/index"),
        )

    def __repr__(self) -> str:
        return "FieldCipher(<keys hidden>)"

    @staticmethod
    def _field_prefix(field: str) -> bytes:
        if not isinstance(field, str):
            raise GmError("field_name_invalid")
        name = field.encode()
        if not 0 < len(name) < 256:
            raise GmError("field_name_invalid")
        return bytes([len(name)]) + name

    def _hmac_for(
        self, cache: dict[str, _PrefixedHmac], key: bytes, head: bytes, field: str
    ) -> _PrefixedHmac:
        mac = cache.get(field)
        if mac is None:
            mac = _PrefixedHmac(key, head + self._field_prefix(field))
            if len(cache) < _MAX_CACHED_FIELDS:
                cache[field] = mac
        return mac

    @staticmethod
    def _encode(values: Sequence[str]) -> list[bytes]:
        try:
            return [v.encode() for v in values]
        except AttributeError:
            raise GmError("field_value_invalid") from None

    def encrypt(self, value: str, *, field: str) -> bytes:
        """Encrypt one value for ``field``: ``0x01 || nonce(12) || ciphertext || tag(16)``."""
        return self.encrypt_many([value], field=field)[0]

    def encrypt_many(self, values: Sequence[str], *, field: str) -> list[bytes]:
        """Encrypt many values for ``field``; one SM4 call per 8,192 values."""
        mac = self._hmac_for(self._mac_cache, self._mac_key, _FIELD_VERSION, field).digest
        plain = self._encode(values)
        update = _sm4_raw(self._enc_key).encryptor().update
        out: list[bytes] = []
        for start in range(0, len(plain), _BATCH):
            chunk = plain[start : start + _BATCH]
            randomness = os.urandom(_FIELD_NONCE * len(chunk))
            nonces = [
                randomness[i : i + _FIELD_NONCE] for i in range(0, len(randomness), _FIELD_NONCE)
            ]
            for nonce, ciphertext in zip(nonces, _ctr_xor(update, nonces, chunk), strict=True):
                body = nonce + ciphertext
                out.append(_FIELD_VERSION + body + mac(body)[:_FIELD_TAG])
        return out

    def decrypt(self, blob: bytes, *, field: str) -> str:
        """Open a blob made by :meth:`encrypt` for the same ``field``.

        Raises ``GmError("field_auth_failed")`` if the blob was altered, was made with another
        key, or belongs to another field.
        """
        return self.decrypt_many([blob], field=field)[0]

    def decrypt_many(self, blobs: Sequence[bytes], *, field: str) -> list[str]:
        """Open many blobs of ``field``; fails as a whole on the first bad one."""
        mac = self._hmac_for(self._mac_cache, self._mac_key, _FIELD_VERSION, field).digest
        nonces: list[bytes] = []
        ciphertexts: list[bytes] = []
        for i, blob in enumerate(blobs):
            if len(blob) < _FIELD_OVERHEAD or blob[:1] != _FIELD_VERSION:
                raise GmError("field_auth_failed", {"index": i})
            body = bytes(blob[1:-_FIELD_TAG])
            if not hmac.compare_digest(mac(body)[:_FIELD_TAG], blob[-_FIELD_TAG:]):
                raise GmError("field_auth_failed", {"index": i})
            nonces.append(body[:_FIELD_NONCE])
            ciphertexts.append(body[_FIELD_NONCE:])
        update = _sm4_raw(self._enc_key).encryptor().update
        out: list[str] = []
        for start in range(0, len(ciphertexts), _BATCH):
            end = start + _BATCH
            for plain in _ctr_xor(update, nonces[start:end], ciphertexts[start:end]):
                try:
                    out.append(plain.decode())
                except UnicodeDecodeError:  # unreachable unless the MAC key leaked
                    raise GmError("field_auth_failed") from None
        return out

    def index(self, value: str, *, field: str) -> bytes:
        """The 16-byte keyed lookup index of ``value`` in ``field`` (deterministic)."""
        return self.index_many([value], field=field)[0]

    def index_many(self, values: Sequence[str], *, field: str) -> list[bytes]:
        """Lookup indexes of many values of ``field``."""
        mac = self._hmac_for(self._index_cache, self._index_key, b"", field).digest
        return [mac(data)[:_INDEX_LEN] for data in self._encode(values)]


# --------------------------------------------------------------------------------------------
# SM2 through the system libcrypto
# --------------------------------------------------------------------------------------------

_c_void_p = ctypes.c_void_p
_c_int = ctypes.c_int
_c_char_p = ctypes.c_char_p
_PP = ctypes.POINTER(ctypes.c_void_p)
_PEM_PASSWORD_CB = ctypes.CFUNCTYPE(_c_int, _c_void_p, _c_int, _c_int, _c_void_p)


def _no_password(buf: int | None, size: int, rwflag: int, userdata: int | None) -> int:
    # Encrypted PEM keys are refused instead of letting OpenSSL prompt on a terminal.
    return -1


_NO_PASSWORD: Final = _PEM_PASSWORD_CB(_no_password)


class _OsslParam(ctypes.Structure):
    """``OSSL_PARAM``: one named value in a parameter array ending with an all-zero entry."""

    _fields_ = [
        ("key", _c_char_p),
        ("data_type", ctypes.c_uint),
        ("data", _c_void_p),
        ("data_size", ctypes.c_size_t),
        ("return_size", ctypes.c_size_t),
    ]


_OSSL_PARAM_UNSIGNED_INTEGER: Final = 2
_OSSL_PARAM_OCTET_STRING: Final = 5
_OSSL_PARAM_UNMODIFIED: Final = ctypes.c_size_t(-1).value

_SIGNATURES: Final[dict[str, tuple[Any, list[Any]]]] = {
    "ERR_clear_error": (None, []),
    "ERR_get_error": (ctypes.c_ulong, []),
    "ERR_error_string_n": (None, [ctypes.c_ulong, _c_char_p, ctypes.c_size_t]),
    "BIO_new": (_c_void_p, [_c_void_p]),
    "BIO_s_mem": (_c_void_p, []),
    "BIO_new_mem_buf": (_c_void_p, [_c_char_p, _c_int]),
    "BIO_free": (_c_int, [_c_void_p]),
    "BIO_ctrl": (ctypes.c_long, [_c_void_p, _c_int, ctypes.c_long, _PP]),
    "PEM_read_bio_PrivateKey": (_c_void_p, [_c_void_p, _c_void_p, _PEM_PASSWORD_CB, _c_void_p]),
    "PEM_read_bio_PUBKEY": (_c_void_p, [_c_void_p, _c_void_p, _PEM_PASSWORD_CB, _c_void_p]),
    "PEM_write_bio_PKCS8PrivateKey": (
        _c_int,
        [_c_void_p, _c_void_p, _c_void_p, _c_char_p, _c_int, _c_void_p, _c_void_p],
    ),
    "PEM_write_bio_PUBKEY": (_c_int, [_c_void_p, _c_void_p]),
    "i2d_PKCS8PrivateKey_bio": (
        _c_int,
        [_c_void_p, _c_void_p, _c_void_p, _c_char_p, _c_int, _c_void_p, _c_void_p],
    ),
    "d2i_PrivateKey_bio": (_c_void_p, [_c_void_p, _c_void_p]),
    "i2d_PUBKEY": (_c_int, [_c_void_p, _PP]),
    "d2i_PUBKEY": (_c_void_p, [_c_void_p, _PP, ctypes.c_long]),
    "EVP_PKEY_CTX_new_from_name": (_c_void_p, [_c_void_p, _c_char_p, _c_char_p]),
    "EVP_PKEY_CTX_new": (_c_void_p, [_c_void_p, _c_void_p]),
    "EVP_PKEY_CTX_free": (None, [_c_void_p]),
    "EVP_PKEY_CTX_set1_id": (_c_int, [_c_void_p, _c_char_p, _c_int]),
    "EVP_PKEY_keygen_init": (_c_int, [_c_void_p]),
    "EVP_PKEY_generate": (_c_int, [_c_void_p, _PP]),
    "EVP_PKEY_free": (None, [_c_void_p]),
    "EVP_PKEY_is_a": (_c_int, [_c_void_p, _c_char_p]),
    "EVP_PKEY_get_bn_param": (_c_int, [_c_void_p, _c_char_p, _PP]),
    "EVP_PKEY_get_params": (_c_int, [_c_void_p, ctypes.POINTER(_OsslParam)]),
    "BN_bn2binpad": (_c_int, [_c_void_p, _c_char_p, _c_int]),
    "BN_free": (None, [_c_void_p]),
    "EVP_MD_CTX_new": (_c_void_p, []),
    "EVP_MD_CTX_free": (None, [_c_void_p]),
    "EVP_MD_CTX_set_pkey_ctx": (None, [_c_void_p, _c_void_p]),
    "EVP_sm3": (_c_void_p, []),
    "EVP_DigestSignInit": (_c_int, [_c_void_p, _c_void_p, _c_void_p, _c_void_p, _c_void_p]),
    "EVP_DigestSign": (
        _c_int,
        [_c_void_p, _c_char_p, ctypes.POINTER(ctypes.c_size_t), _c_char_p, ctypes.c_size_t],
    ),
    "EVP_DigestVerifyInit": (_c_int, [_c_void_p, _c_void_p, _c_void_p, _c_void_p, _c_void_p]),
    "EVP_DigestVerify": (
        _c_int,
        [_c_void_p, _c_char_p, ctypes.c_size_t, _c_char_p, ctypes.c_size_t],
    ),
}

_BIO_CTRL_INFO: Final = 3  # BIO_get_mem_data


@functools.cache
def _libcrypto() -> Any:
    """The system libcrypto with argument and result types declared (loaded on first use)."""
    lib: Any = None
    for name in ("libcrypto.so.3", ctypes.util.find_library("crypto")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            break
        except OSError:
            continue
    if lib is None:
        raise GmError("sm2_unavailable", {"reason": "libcrypto not found"})
    try:
        for fname, (restype, argtypes) in _SIGNATURES.items():
            func = getattr(lib, fname)
            func.restype = restype
            func.argtypes = argtypes
    except AttributeError as exc:  # OpenSSL 1.1 or older
        raise GmError("sm2_unavailable", {"reason": str(exc)}) from None
    return lib


def _openssl_failure(code: str, what: str) -> GmError:
    """Turn the thread's OpenSSL error queue into a GmError, leaving the queue empty."""
    lib = _libcrypto()
    reasons: list[str] = []
    while err := lib.ERR_get_error():
        buf = ctypes.create_string_buffer(256)
        lib.ERR_error_string_n(err, buf, 256)
        reasons.append(buf.value.decode(errors="replace"))
    lib.ERR_clear_error()
    return GmError(code, {"operation": what, "openssl": reasons})


class _Bio:
    """A memory BIO, freed on exit."""

    def __init__(self, data: bytes | None = None) -> None:
        lib = _libcrypto()
        self._data = data  # keep the buffer alive as long as the BIO
        self.ptr: int | None = (
            lib.BIO_new_mem_buf(data, len(data))
            if data is not None
            else lib.BIO_new(lib.BIO_s_mem())
        )
        if not self.ptr:
            raise _openssl_failure("sm2_operation_failed", "BIO_new")

    def __enter__(self) -> _Bio:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.ptr:
            _libcrypto().BIO_free(self.ptr)
            self.ptr = None

    def contents(self) -> bytes:
        ptr = ctypes.c_void_p()
        size = _libcrypto().BIO_ctrl(self.ptr, _BIO_CTRL_INFO, 0, ctypes.byref(ptr))
        return ctypes.string_at(ptr.value, size) if size > 0 and ptr.value else b""


class _PKey:
    """Owns one ``EVP_PKEY*`` and frees it when collected."""

    __slots__ = ("__weakref__", "ptr")

    def __init__(self, ptr: int) -> None:
        self.ptr = ptr
        weakref.finalize(self, _libcrypto().EVP_PKEY_free, ptr)


def _adopt_sm2(ptr: int | None, what: str) -> _PKey:
    lib = _libcrypto()
    if not ptr:
        raise _openssl_failure("sm2_key_invalid", what)
    key = _PKey(ptr)
    if lib.EVP_PKEY_is_a(ptr, b"SM2") != 1:
        lib.ERR_clear_error()
        raise GmError("sm2_key_invalid", {"operation": what, "reason": "not an SM2 key"})
    return key


def _check_user_id(user_id: bytes) -> bytes:
    if not isinstance(user_id, bytes | bytearray) or len(user_id) > 8191:
        raise GmError("sm2_user_id_invalid")
    return bytes(user_id)


def _spki_der(pkey: _PKey) -> bytes:
    lib = _libcrypto()
    size = lib.i2d_PUBKEY(pkey.ptr, None)
    if size <= 0:
        raise _openssl_failure("sm2_operation_failed", "i2d_PUBKEY")
    buf = ctypes.create_string_buffer(size)
    cursor = ctypes.c_void_p(ctypes.addressof(buf))
    if lib.i2d_PUBKEY(pkey.ptr, ctypes.byref(cursor)) != size:
        raise _openssl_failure("sm2_operation_failed", "i2d_PUBKEY")
    return buf.raw


def _load_spki_der(der: bytes) -> _PKey:
    lib = _libcrypto()
    buf = ctypes.create_string_buffer(der, len(der))
    cursor = ctypes.c_void_p(ctypes.addressof(buf))
    return _adopt_sm2(lib.d2i_PUBKEY(None, ctypes.byref(cursor), len(der)), "d2i_PUBKEY")


# DER prefix of a SubjectPublicKeyInfo for an uncompressed point on sm2p256v1
# (id-ecPublicKey, curve 1.2.156.10197.1.301).
_SM2_SPKI_PREFIX: Final = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d03420004")


class Sm2PublicKey:
    """An SM2 public key (curve sm2p256v1). Immutable; safe to share between threads."""

    __slots__ = ("_der", "_key")

    def __init__(self, _key: _PKey, _der: bytes) -> None:
        self._key = _key
        self._der = _der

    @classmethod
    def from_der(cls, der: bytes) -> Sm2PublicKey:
        """Load a DER SubjectPublicKeyInfo."""
        key = _load_spki_der(bytes(der))
        return cls(key, _spki_der(key))

    @classmethod
    def from_pem(cls, pem: bytes) -> Sm2PublicKey:
        """Load a PEM ``PUBLIC KEY``."""
        with _Bio(bytes(pem)) as bio:
            ptr = _libcrypto().PEM_read_bio_PUBKEY(bio.ptr, None, _NO_PASSWORD, None)
        key = _adopt_sm2(ptr, "PEM_read_bio_PUBKEY")
        return cls(key, _spki_der(key))

    @classmethod
    def from_point(cls, x: int, y: int) -> Sm2PublicKey:
        """The key whose point is ``(x, y)``; OpenSSL checks that it lies on the curve."""
        if not (0 <= x < 2**256 and 0 <= y < 2**256):
            raise GmError("sm2_key_invalid", {"reason": "coordinate out of range"})
        return cls.from_der(_SM2_SPKI_PREFIX + x.to_bytes(32, "big") + y.to_bytes(32, "big"))

    def to_der(self) -> bytes:
        """DER SubjectPublicKeyInfo."""
        return self._der

    def to_pem(self) -> bytes:
        """PEM ``PUBLIC KEY``."""
        with _Bio() as bio:
            if _libcrypto().PEM_write_bio_PUBKEY(bio.ptr, self._key.ptr) != 1:
                raise _openssl_failure("sm2_operation_failed", "PEM_write_bio_PUBKEY")
            return bio.contents()

    def point(self) -> tuple[int, int]:
        """The public point ``(x, y)``."""
        return _bn_param(self._key, b"qx"), _bn_param(self._key, b"qy")

    def verify(self, signature: bytes, message: bytes, *, user_id: bytes = DEFAULT_USER_ID) -> bool:
        """Whether ``signature`` (DER) is a valid SM2 signature of ``message`` by this key."""
        uid = _check_user_id(user_id)
        lib = _libcrypto()
        mctx = lib.EVP_MD_CTX_new()
        pctx = lib.EVP_PKEY_CTX_new(self._key.ptr, None)
        try:
            if not mctx or not pctx:
                raise _openssl_failure("sm2_operation_failed", "EVP_MD_CTX_new")
            if lib.EVP_PKEY_CTX_set1_id(pctx, uid, len(uid)) <= 0:
                raise _openssl_failure("sm2_operation_failed", "EVP_PKEY_CTX_set1_id")
            lib.EVP_MD_CTX_set_pkey_ctx(mctx, pctx)
            if lib.EVP_DigestVerifyInit(mctx, None, lib.EVP_sm3(), None, self._key.ptr) != 1:
                raise _openssl_failure("sm2_operation_failed", "EVP_DigestVerifyInit")
            sig = bytes(signature)
            data = bytes(message)
            ok = bool(lib.EVP_DigestVerify(mctx, sig, len(sig), data, len(data)) == 1)
            if not ok:
                lib.ERR_clear_error()
            return ok
        finally:
            if mctx:
                lib.EVP_MD_CTX_free(mctx)
            if pctx:
                lib.EVP_PKEY_CTX_free(pctx)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sm2PublicKey) and other._der == self._der

    def __hash__(self) -> int:
        return hash(self._der)

    def __repr__(self) -> str:
        return f"Sm2PublicKey(x={self.point()[0]:064x})"


def _bn_param(key: _PKey, name: bytes) -> int:
    lib = _libcrypto()
    bn = ctypes.c_void_p()
    if lib.EVP_PKEY_get_bn_param(key.ptr, name, ctypes.byref(bn)) != 1 or not bn.value:
        raise _openssl_failure("sm2_operation_failed", "EVP_PKEY_get_bn_param")
    try:
        buf = ctypes.create_string_buffer(32)
        if lib.BN_bn2binpad(bn, buf, 32) != 32:
            raise _openssl_failure("sm2_operation_failed", "BN_bn2binpad")
        return int.from_bytes(buf.raw, "big")
    finally:
        lib.BN_free(bn)


_SIG_MAX: Final = 80  # a DER SM2 signature is at most 72 bytes


class Sm2PrivateKey:
    """An SM2 private key (curve sm2p256v1). Immutable; safe to share between threads."""

    __slots__ = ("_key", "_public")

    def __init__(self, _key: _PKey) -> None:
        self._key = _key
        self._public: Sm2PublicKey | None = None

    @classmethod
    def generate(cls) -> Sm2PrivateKey:
        """A new random key (OpenSSL's DRBG)."""
        lib = _libcrypto()
        ctx = lib.EVP_PKEY_CTX_new_from_name(None, b"SM2", None)
        if not ctx:
            raise _openssl_failure("sm2_unavailable", "EVP_PKEY_CTX_new_from_name")
        try:
            out = ctypes.c_void_p()
            if (
                lib.EVP_PKEY_keygen_init(ctx) != 1
                or lib.EVP_PKEY_generate(ctx, ctypes.byref(out)) != 1
            ):
                raise _openssl_failure("sm2_operation_failed", "EVP_PKEY_generate")
            return cls(_adopt_sm2(out.value, "EVP_PKEY_generate"))
        finally:
            lib.EVP_PKEY_CTX_free(ctx)

    @classmethod
    def from_pem(cls, pem: bytes) -> Sm2PrivateKey:
        """Load an unencrypted PEM private key (PKCS#8, or OpenSSL's traditional SEC1 form)."""
        with _Bio(bytes(pem)) as bio:
            ptr = _libcrypto().PEM_read_bio_PrivateKey(bio.ptr, None, _NO_PASSWORD, None)
        return cls(_adopt_sm2(ptr, "PEM_read_bio_PrivateKey"))

    @classmethod
    def from_der(cls, der: bytes) -> Sm2PrivateKey:
        """Load an unencrypted DER private key (PKCS#8)."""
        with _Bio(bytes(der)) as bio:
            ptr = _libcrypto().d2i_PrivateKey_bio(bio.ptr, None)
        return cls(_adopt_sm2(ptr, "d2i_PrivateKey_bio"))

    @classmethod
    def from_scalar(cls, d: bytes) -> Sm2PrivateKey:
        """The key whose private scalar is ``d`` (32 bytes, big-endian), e.g. from a card
        personalisation record.

        GB/T 32918.1 allows 1 ≤ d ≤ n-2 (signing inverts 1+d modulo n, so n-1 is unusable);
        anything else, or another length, is ``sm2_key_invalid``. OpenSSL derives the public
        point from a PKCS#8 that carries only the scalar; the key is then loaded once more from
        a PKCS#8 that includes the point, so that :meth:`to_der` gives the same complete
        encoding as for any other key.
        """
        if not isinstance(d, bytes | bytearray) or len(d) != 32:
            raise GmError("sm2_key_invalid", {"reason": "a private scalar is 32 bytes"})
        scalar = bytes(d)
        if not 0 < int.from_bytes(scalar, "big") < SM2P256V1.n - 1:
            raise GmError("sm2_key_invalid", {"reason": "the scalar is not in [1, n-2]"})
        bare = cls.from_der(_sm2_pkcs8(scalar, b""))
        point = bare.public_key().to_der()[len(_SM2_SPKI_PREFIX) - 1 :]
        return cls.from_der(_sm2_pkcs8(scalar, point))

    def scalar(self) -> bytes:
        """The private scalar d, 32 bytes big-endian. Handle with care."""
        return _bn_param(self._key, b"priv").to_bytes(32, "big")

    def to_pem(self) -> bytes:
        """Unencrypted PKCS#8 PEM (``-----BEGIN PRIVATE KEY-----``). Handle with care."""
        with _Bio() as bio:
            lib = _libcrypto()
            if (
                lib.PEM_write_bio_PKCS8PrivateKey(bio.ptr, self._key.ptr, None, None, 0, None, None)
                != 1
            ):
                raise _openssl_failure("sm2_operation_failed", "PEM_write_bio_PKCS8PrivateKey")
            return bio.contents()

    def to_der(self) -> bytes:
        """Unencrypted PKCS#8 DER. Handle with care."""
        with _Bio() as bio:
            lib = _libcrypto()
            if lib.i2d_PKCS8PrivateKey_bio(bio.ptr, self._key.ptr, None, None, 0, None, None) != 1:
                raise _openssl_failure("sm2_operation_failed", "i2d_PKCS8PrivateKey_bio")
            return bio.contents()

    def public_key(self) -> Sm2PublicKey:
        """The matching public key."""
        if self._public is None:
            self._public = Sm2PublicKey.from_der(_spki_der(self._key))
        return self._public

    def sign(self, message: bytes, *, user_id: bytes = DEFAULT_USER_ID) -> bytes:
        """SM2 signature of ``message`` (ZA from ``user_id``, SM3), DER ``ECDSA-Sig-Value``."""
        uid = _check_user_id(user_id)
        lib = _libcrypto()
        mctx = lib.EVP_MD_CTX_new()
        pctx = lib.EVP_PKEY_CTX_new(self._key.ptr, None)
        try:
            if not mctx or not pctx:
                raise _openssl_failure("sm2_operation_failed", "EVP_MD_CTX_new")
            if lib.EVP_PKEY_CTX_set1_id(pctx, uid, len(uid)) <= 0:
                raise _openssl_failure("sm2_operation_failed", "EVP_PKEY_CTX_set1_id")
            lib.EVP_MD_CTX_set_pkey_ctx(mctx, pctx)
            if lib.EVP_DigestSignInit(mctx, None, lib.EVP_sm3(), None, self._key.ptr) != 1:
                raise _openssl_failure("sm2_operation_failed", "EVP_DigestSignInit")
            buf = ctypes.create_string_buffer(_SIG_MAX)
            size = ctypes.c_size_t(_SIG_MAX)
            data = bytes(message)
            if lib.EVP_DigestSign(mctx, buf, ctypes.byref(size), data, len(data)) != 1:
                raise _openssl_failure("sm2_operation_failed", "EVP_DigestSign")
            return buf.raw[: size.value]
        finally:
            if mctx:
                lib.EVP_MD_CTX_free(mctx)
            if pctx:
                lib.EVP_PKEY_CTX_free(pctx)

    def __repr__(self) -> str:
        return "Sm2PrivateKey(<hidden>)"


# PKCS#8 PrivateKeyInfo head of an SM2 key: version 0, then id-ecPublicKey with the named
# curve sm2p256v1 (1.2.156.10197.1.301) — what OpenSSL itself writes for SM2 keys.
_PKCS8_SM2_HEAD: Final = bytes.fromhex("020100301306072a8648ce3d020106082a811ccf5501822d")


def _sm2_pkcs8(scalar: bytes, point: bytes) -> bytes:
    """PKCS#8 DER around the SEC1 ``ECPrivateKey`` {1, scalar, [1] point if given}."""
    ec = b"\x02\x01\x01\x04\x20" + scalar
    if point:
        ec += b"\xa1\x44\x03\x42\x00" + point  # [1] BIT STRING, no unused bits, 04||x||y
    ec = b"\x30" + bytes([len(ec)]) + ec  # 39 or 109 bytes: short lengths
    body = _PKCS8_SM2_HEAD + b"\x04" + bytes([len(ec)]) + ec
    return (b"\x30\x81" if len(body) > 127 else b"\x30") + bytes([len(body)]) + body


class _KeygenContext:
    """One thread's SM2 key-generation context and the parameter array that reads a new key.

    ``EVP_PKEY_CTX_new_from_name`` plus ``EVP_PKEY_keygen_init`` cost about 50 us, some 15 % of
    a key generation, so each thread keeps one initialised context (a context is not safe to
    share between threads). The ``OSSL_PARAM`` array asks for the private scalar and the public
    point in ONE ``EVP_PKEY_get_params`` call. Freed when the thread's locals are collected.
    """

    __slots__ = ("__weakref__", "ctx", "params", "priv", "pub")

    def __init__(self) -> None:
        lib = _libcrypto()
        ctx = lib.EVP_PKEY_CTX_new_from_name(None, b"SM2", None)
        if not ctx:
            raise _openssl_failure("sm2_unavailable", "EVP_PKEY_CTX_new_from_name")
        weakref.finalize(self, lib.EVP_PKEY_CTX_free, ctx)
        if lib.EVP_PKEY_keygen_init(ctx) != 1:
            raise _openssl_failure("sm2_operation_failed", "EVP_PKEY_keygen_init")
        self.ctx: int = ctx
        self.priv = ctypes.create_string_buffer(32)
        self.pub = ctypes.create_string_buffer(65)
        self.params = (_OsslParam * 3)(
            _OsslParam(b"priv", _OSSL_PARAM_UNSIGNED_INTEGER, ctypes.addressof(self.priv), 32, 0),
            _OsslParam(b"pub", _OSSL_PARAM_OCTET_STRING, ctypes.addressof(self.pub), 65, 0),
            _OsslParam(None, 0, None, 0, 0),
        )


_keygen_local = threading.local()


def sm2_generate_keypair() -> tuple[bytes, bytes]:
    """A new SM2 key pair as ``(private scalar (32 bytes, big-endian), SubjectPublicKeyInfo
    DER)``, for bulk card personalisation.

    Made for 100,000 calls in a row: three foreign calls per key (generate, one
    ``EVP_PKEY_get_params`` for both halves, free) on a per-thread context, no key object.
    The SPKI is exactly what :meth:`Sm2PublicKey.to_der` gives; the scalar is what
    :meth:`Sm2PrivateKey.from_scalar` takes.
    """
    state: _KeygenContext | None = getattr(_keygen_local, "state", None)
    if state is None:
        state = _keygen_local.state = _KeygenContext()
    lib = _libcrypto()
    pkey = ctypes.c_void_p()
    if lib.EVP_PKEY_generate(state.ctx, ctypes.byref(pkey)) != 1 or not pkey.value:
        raise _openssl_failure("sm2_operation_failed", "EVP_PKEY_generate")
    params = state.params
    params[0].return_size = params[1].return_size = _OSSL_PARAM_UNMODIFIED
    try:
        ok = lib.EVP_PKEY_get_params(pkey, params)
    finally:
        lib.EVP_PKEY_free(pkey)
    if ok != 1 or params[0].return_size != 32 or params[1].return_size != 65:
        raise _openssl_failure("sm2_operation_failed", "EVP_PKEY_get_params")
    # OSSL_PARAM integers are in the machine's byte order.
    scalar = state.priv.raw if sys.byteorder == "big" else state.priv.raw[::-1]
    point = state.pub.raw
    if point[0] != 4:
        raise GmError("sm2_operation_failed", {"reason": "public point not uncompressed"})
    return scalar, _SM2_SPKI_PREFIX[:-1] + point


# --------------------------------------------------------------------------------------------
# Pure-Python SM2 helpers: for checking the standard's vectors and interoperability.
# Slow and not constant-time — never use them to sign with a real key.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sm2Curve:
    """Short Weierstrass curve y^2 = x^3 + ax + b over GF(p) with base point (gx, gy) of order n."""

    p: int
    a: int
    b: int
    n: int
    gx: int
    gy: int

    @classmethod
    def from_hex(cls, **params: str) -> Sm2Curve:
        """Build from hex strings (``p=..., a=..., b=..., n=..., gx=..., gy=...``)."""
        return cls(**{k: int(params[k], 16) for k in ("p", "a", "b", "n", "gx", "gy")})

    @property
    def size(self) -> int:
        """Byte length of a field element."""
        return (self.p.bit_length() + 7) // 8


#: The SM2 recommended curve of GB/T 32918.5 (OpenSSL's ``SM2``).
SM2P256V1: Final = Sm2Curve(
    p=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF,
    a=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC,
    b=0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93,
    n=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123,
    gx=0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    gy=0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
)

_Point = tuple[int, int] | None  # None is the point at infinity


def _ec_add(curve: Sm2Curve, p1: _Point, p2: _Point) -> _Point:
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    p = curve.p
    x1, y1 = p1
    x2, y2 = p2
    if x1 == x2:
        if (y1 + y2) % p == 0:
            return None
        slope = (3 * x1 * x1 + curve.a) * pow(2 * y1, -1, p) % p
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, p) % p
    x3 = (slope * slope - x1 - x2) % p
    return x3, (slope * (x1 - x3) - y1) % p


def _ec_mul(curve: Sm2Curve, k: int, point: _Point) -> _Point:
    result: _Point = None
    addend = point
    while k:
        if k & 1:
            result = _ec_add(curve, result, addend)
        addend = _ec_add(curve, addend, addend)
        k >>= 1
    return result


def sm2_za(
    user_id: bytes, a: int, b: int, gx: int, gy: int, px: int, py: int, *, size: int = 32
) -> bytes:
    """ZA = SM3(ENTL || ID || a || b || gx || gy || px || py) of GB/T 32918.2, section 5.5."""
    uid = _check_user_id(user_id)
    parts = [(len(uid) * 8).to_bytes(2, "big"), uid]
    parts += [v.to_bytes(size, "big") for v in (a, b, gx, gy, px, py)]
    return sm3(b"".join(parts))


def sm2_public_point(curve: Sm2Curve, private_key: int) -> tuple[int, int]:
    """The public point d*G."""
    point = _ec_mul(curve, private_key, (curve.gx, curve.gy))
    if point is None or not 0 < private_key < curve.n:
        raise GmError("sm2_key_invalid")
    return point


def _sm2_e(curve: Sm2Curve, public_point: tuple[int, int], user_id: bytes, message: bytes) -> int:
    za = sm2_za(user_id, curve.a, curve.b, curve.gx, curve.gy, *public_point, size=curve.size)
    return int.from_bytes(sm3(za + message), "big")


def sm2_sign_with_k(
    curve: Sm2Curve, private_key: int, user_id: bytes, message: bytes, k: int
) -> tuple[int, int]:
    """The signature (r, s) with a given ephemeral ``k`` (to reproduce the standard's example)."""
    n = curve.n
    e = _sm2_e(curve, sm2_public_point(curve, private_key), user_id, message)
    kg = _ec_mul(curve, k, (curve.gx, curve.gy))
    if kg is None:
        raise GmError("sm2_operation_failed")
    r = (e + kg[0]) % n
    s = pow(1 + private_key, -1, n) * (k - r * private_key) % n
    if r == 0 or r + k == n or s == 0:
        raise GmError("sm2_operation_failed", {"reason": "choose another k"})
    return r, s


def sm2_verify_on_curve(
    curve_params: Sm2Curve,
    public_point: tuple[int, int],
    user_id: bytes,
    message: bytes,
    r: int,
    s: int,
) -> bool:
    """SM2 verification (GB/T 32918.2 section 7) on any curve, in pure Python."""
    curve = curve_params
    n = curve.n
    if not (0 < r < n and 0 < s < n):
        return False
    x, y = public_point
    if (y * y - x * x * x - curve.a * x - curve.b) % curve.p != 0:
        return False
    t = (r + s) % n
    if t == 0:
        return False
    e = _sm2_e(curve, public_point, user_id, message)
    point = _ec_add(curve, _ec_mul(curve, s, (curve.gx, curve.gy)), _ec_mul(curve, t, public_point))
    return point is not None and (e + point[0]) % n == r


def _der_int(value: int) -> bytes:
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")
    return b"\x02" + bytes([len(body)]) + body


def signature_from_rs(r: int, s: int) -> bytes:
    """DER ``ECDSA-Sig-Value`` of (r, s)."""
    if not (0 < r < 2**256 and 0 < s < 2**256):
        raise GmError("signature_invalid")
    body = _der_int(r) + _der_int(s)
    return b"\x30" + bytes([len(body)]) + body


def signature_to_rs(signature: bytes) -> tuple[int, int]:
    """(r, s) from a DER ``ECDSA-Sig-Value`` (strict DER, 256-bit values)."""
    sig = bytes(signature)
    if len(sig) < 8 or sig[0] != 0x30 or sig[1] != len(sig) - 2:
        raise GmError("signature_invalid")
    values: list[int] = []
    pos = 2
    for _ in range(2):
        if pos + 2 > len(sig) or sig[pos] != 0x02:
            raise GmError("signature_invalid")
        size = sig[pos + 1]
        body = sig[pos + 2 : pos + 2 + size]
        if not 0 < size <= 33 or len(body) != size or body[0] & 0x80:
            raise GmError("signature_invalid")
        if size > 1 and body[0] == 0 and not body[1] & 0x80:
            raise GmError("signature_invalid")  # not minimal
        values.append(int.from_bytes(body, "big"))
        pos += 2 + size
    if pos != len(sig):
        raise GmError("signature_invalid")
    return values[0], values[1]


# --------------------------------------------------------------------------------------------
# Incremental SM3 and SM4-GCM, for files written as they are produced
# --------------------------------------------------------------------------------------------


class Sm3Stream:
    """SM3 over data given piece by piece (a file too large to hold at once)."""

    __slots__ = ("_hash",)

    def __init__(self) -> None:
        self._hash: Any = hashlib.new("sm3") if _HASHLIB_SM3 else hashes.Hash(hashes.SM3())

    def update(self, data: bytes) -> None:
        self._hash.update(data)

    def hexdigest(self) -> str:
        """The digest so far, in hex (the stream can go on afterwards)."""
        if _HASHLIB_SM3:
            return str(self._hash.hexdigest())
        return bytes(self._hash.copy().finalize()).hex()


class Sm4GcmSealer:
    """SM4-GCM over a stream, in the format of :func:`sm4_gcm_encrypt`: write ``header`` (the
    nonce), then every ``update()``'s output, then ``finalize()``'s (the tag).

    For files whose plaintext must never touch the disk: each piece is sealed as it is made.
    :func:`sm4_gcm_decrypt` and :func:`sm4_gcm_decrypt_file` open the result.
    """

    __slots__ = ("_enc", "header")

    def __init__(self, key: bytes, *, aad: bytes = b"") -> None:
        self.header = os.urandom(_GCM_NONCE)
        self._enc = Cipher(_sm4_key(key), modes.GCM(self.header)).encryptor()
        if aad:
            self._enc.authenticate_additional_data(aad)

    def update(self, data: bytes) -> bytes:
        return self._enc.update(data)

    def finalize(self) -> bytes:
        """The last ciphertext bytes (none, for GCM) and the 16-byte tag."""
        return self._enc.finalize() + self._enc.tag
