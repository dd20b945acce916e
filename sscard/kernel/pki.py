"""X.509 certificates signed SM2-with-SM3 for the card PKI: a root CA, issuing CAs, card
certificates, and their verification.

Profile (GM/T 0015)
-------------------
* Signature algorithm sm2sign-with-sm3, OID 1.2.156.10197.1.501, parameters absent.
* Public keys: id-ecPublicKey with the named curve sm2p256v1 (1.2.156.10197.1.301), i.e. the
  SubjectPublicKeyInfo that :meth:`Sm2PublicKey.to_der` gives.
* The signature covers the DER TBSCertificate with ZA computed from the GM/T 0009 default user
  ID ``1234567812345678`` — :meth:`Sm2PrivateKey.sign` with its default. OpenSSL 3.0's
  ``openssl verify`` uses an EMPTY ID for certificate signatures unless it is given
  ``-vfyopt distid:1234567812345678``, and applies that option to the certificate it is asked
  about only, never to the CA certificates of the chain it builds. So OpenSSL 3.0 checks
  these certificates one link at a time: each certificate as the one being verified, its
  issuer as the trust anchor (``-partial_chain``); see ``tests/test_pki.py``.
* Key identifiers are the first 20 bytes of the SM3 digest of the public key bits (the
  uncompressed point), the SM3 analogue of RFC 5280 section 4.2.1.2 method 1.
* Names are UTF8String, except countryName which X.520 makes a PrintableString.
* Validity times are UTCTime up to 2049 and GeneralizedTime from 2050 (RFC 5280), to the
  second: microseconds are dropped.

A card certificate carries only the 32-character card identification code (卡识别码) as its
common name: no personal data goes into a certificate, which the card hands to any terminal.

Speed
-----
A personalisation batch issues 100,000 card certificates, and the SM2 signature is most of
the cost. :class:`CardCertificateIssuer` therefore builds every constant DER piece once
(algorithm identifier, issuer name, the constant part of the subject, the constant extensions)
and per certificate only writes the serial, the validity, the common name, the public key and
its key identifier, by hand. CAs are rare and built with asn1crypto; a test checks that the
hand-written card certificates are byte for byte what asn1crypto produces from the same values.

Parsing and verification use asn1crypto, which is ASN.1 only; signatures are checked by
:mod:`sscard.kernel.gm`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any, Final

from asn1crypto import algos, crl, keys, pem, x509

from sscard.kernel.cardcodes import parse_card_identification_code
from sscard.kernel.errors import KernelError
from sscard.kernel.gm import (
    DEFAULT_USER_ID,
    SM2P256V1,
    GmError,
    Sm2PrivateKey,
    Sm2PublicKey,
    sm3,
)

__all__ = [
    "CARD_UNIT",
    "CRL_REASONS",
    "SM2_CURVE_OID",
    "SM2_WITH_SM3_OID",
    "CardCertificateIssuer",
    "CertificateInfo",
    "CrlInfo",
    "PkiError",
    "RevokedEntry",
    "from_pem",
    "issue_crl",
    "issue_intermediate_ca",
    "issue_root_ca",
    "parse_certificate",
    "parse_crl",
    "to_pem",
    "verify_chain",
    "verify_crl",
    "verify_issued_by",
]

#: sm2sign-with-sm3 (GM/T 0006).
SM2_WITH_SM3_OID: Final = "1.2.156.10197.1.501"
#: The SM2 recommended curve sm2p256v1.
SM2_CURVE_OID: Final = "1.2.156.10197.1.301"
#: Organizational unit of every card certificate.
CARD_UNIT: Final = "社会保障卡"

_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "cert_malformed": (
        "证书不是有效的DER编码X.509证书。",
        "The certificate is not valid DER X.509.",
    ),
    "cert_signature_invalid": (
        "证书签名验证失败：证书被篡改或不是由该签发者签发。",
        "The certificate signature does not verify: the certificate was altered or was not "
        "signed by this issuer.",
    ),
    "cert_issuer_mismatch": (
        "证书的签发者与所给签发证书不符。",
        "The certificate's issuer does not match the given issuer certificate.",
    ),
    "cert_not_ca": (
        "签发者证书不是CA证书，或无权签发该证书。",
        "The issuer certificate is not a CA certificate, or may not sign this certificate.",
    ),
    "cert_expired": ("证书已过期。", "The certificate has expired."),
    "cert_not_yet_valid": ("证书尚未生效。", "The certificate is not valid yet."),
    "cert_algorithm_unsupported": (
        "证书不是SM2/SM3证书（签名算法须为SM2-with-SM3，公钥须为SM2）。",
        "The certificate is not an SM2/SM3 certificate (the signature algorithm must be "
        "SM2-with-SM3 and the key an SM2 key).",
    ),
    "cert_request_invalid": (
        "签发请求的参数无效（序列号、名称、有效期或公钥）。",
        "An argument of the certificate request is invalid (serial, name, validity or public key).",
    ),
    "crl_malformed": (
        "证书吊销列表不是有效的DER编码X.509 v2 CRL。",
        "The certificate revocation list is not a valid DER X.509 v2 CRL.",
    ),
    "crl_signature_invalid": (
        "证书吊销列表签名验证失败：列表被篡改或不是由该CA签发。",
        "The CRL signature does not verify: the list was altered or was not signed by this CA.",
    ),
    "crl_request_invalid": (
        "吊销列表的参数无效（更新时间、列表编号、序列号或吊销原因）。",
        "An argument of the CRL is invalid (update times, CRL number, serial or revocation "
        "reason).",
    ),
}


class PkiError(KernelError):
    """A certificate that cannot be issued, parsed or trusted."""

    def __init__(self, code: str, details: dict[str, Any] | None = None) -> None:
        zh, en = _MESSAGES[code]
        super().__init__(code, zh, en, details)


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """What a caller needs of a certificate. Times are aware UTC datetimes."""

    serial: int
    subject_common_name: str
    issuer_common_name: str
    not_before: datetime
    not_after: datetime
    public_key: Sm2PublicKey
    is_ca: bool
    key_identifier: bytes | None
    tbs: bytes
    signature: bytes


# --------------------------------------------------------------------------------------------
# Hand-written DER for the parts that vary per card certificate
# --------------------------------------------------------------------------------------------

_ALGORITHM_DER: Final = bytes.fromhex("300a06082a811ccf55018375")  # SEQUENCE { sm2-with-sm3 }
_VERSION_V3: Final = bytes.fromhex("a003020102")  # [0] EXPLICIT INTEGER 2
_CN_TYPE: Final = bytes.fromhex("0603550403")  # id-at-commonName
_SKI_HEAD: Final = bytes.fromhex("301d0603551d0e04160414")  # subjectKeyIdentifier, 20 bytes
# An SM2 SubjectPublicKeyInfo up to the BIT STRING contents (the point follows).
_SPKI_HEAD: Final = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200")
_SPKI_SIZE: Final = len(_SPKI_HEAD) + 65
_MAX_SERIAL: Final = 1 << 159  # RFC 5280: at most 20 octets, positive


def _der_length(size: int) -> bytes:
    if size < 0x80:
        return bytes((size,))
    if size < 0x100:
        return bytes((0x81, size))
    if size < 0x10000:
        return bytes((0x82, size >> 8, size & 0xFF))
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(octets),)) + octets


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes((tag,)) + _der_length(len(body)) + body


def _der_integer(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _der_time(moment: datetime) -> bytes:
    """UTCTime for 1950-2049, GeneralizedTime otherwise (RFC 5280 section 4.1.2.5)."""
    stamp = (
        f"{moment.month:02d}{moment.day:02d}{moment.hour:02d}{moment.minute:02d}"
        f"{moment.second:02d}Z"
    )
    if 1950 <= moment.year < 2050:
        return b"\x17\x0d" + f"{moment.year % 100:02d}{stamp}".encode("ascii")
    return b"\x18\x0f" + f"{moment.year:04d}{stamp}".encode("ascii")


def _asn1_time(moment: datetime) -> x509.Time:
    """The asn1crypto counterpart of :func:`_der_time` (same choice of type)."""
    kind = "utc_time" if 1950 <= moment.year < 2050 else "general_time"
    return x509.Time(name=kind, value=moment)


# --------------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------------


def _aware(moment: datetime, field: str) -> datetime:
    """``moment`` in UTC; naive datetimes are refused (in which time zone would they be?)."""
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise PkiError("cert_request_invalid", {"field": field, "reason": "not an aware datetime"})
    return moment.astimezone(UTC)


def _utc(moment: datetime, field: str) -> datetime:
    """``moment`` in UTC to the second, as a certificate records it."""
    return _aware(moment, field).replace(microsecond=0)


def _validity(not_before: datetime, not_after: datetime) -> tuple[datetime, datetime]:
    start = _utc(not_before, "not_before")
    end = _utc(not_after, "not_after")
    if start >= end:
        raise PkiError("cert_request_invalid", {"field": "not_after", "reason": "not after start"})
    return start, end


def _check_serial(serial: int) -> int:
    if isinstance(serial, bool) or not isinstance(serial, int) or not 0 < serial < _MAX_SERIAL:
        raise PkiError("cert_request_invalid", {"field": "serial", "reason": "not in [1, 2**159)"})
    return serial


def _check_text(value: str, field: str) -> str:
    """A name attribute: not blank, at most 64 characters (X.520 upper bounds)."""
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise PkiError("cert_request_invalid", {"field": field, "reason": "empty or too long"})
    return value


def _spki_point(spki: bytes) -> bytes:
    """The uncompressed point ``04||x||y`` of an SM2 SubjectPublicKeyInfo, checked to lie on
    the curve in pure Python (about 2 us, against 20 us for loading it into OpenSSL)."""
    if (
        not isinstance(spki, bytes)
        or len(spki) != _SPKI_SIZE
        or not spki.startswith(_SPKI_HEAD)
        or spki[len(_SPKI_HEAD)] != 4
    ):
        raise PkiError(
            "cert_request_invalid",
            {"field": "public_key_der", "reason": "not an uncompressed SM2 SubjectPublicKeyInfo"},
        )
    point = spki[len(_SPKI_HEAD) :]
    curve = SM2P256V1
    p = curve.p
    x = int.from_bytes(point[1:33], "big")
    y = int.from_bytes(point[33:], "big")
    if x >= p or y >= p or (y * y - (x * x + curve.a) * x - curve.b) % p:
        raise PkiError(
            "cert_request_invalid", {"field": "public_key_der", "reason": "point not on the curve"}
        )
    return point


def _key_identifier(spki: bytes) -> bytes:
    """SM3 of the public key bits, first 20 bytes."""
    return sm3(_spki_point(spki))[:20]


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Parsed:
    """A parsed certificate with what chain building needs beyond :class:`CertificateInfo`."""

    info: CertificateInfo
    subject: x509.Name
    issuer: x509.Name
    subject_key: str  # the names prepared for comparison by RFC 5280 rules (asn1crypto)
    issuer_key: str
    path_length: int | None
    may_sign_certificates: bool  # keyUsage absent, or with keyCertSign
    authority_key_identifier: bytes | None


def _common_name(name: x509.Name) -> str:
    found = ""
    for rdn in name.chosen:
        for attribute in rdn:
            if attribute["type"].native == "common_name":
                found = str(attribute["value"].native)
    return found


# what asn1crypto raises on malformed input
_MALFORMED_INPUT_ERRORS = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    NotImplementedError,
)


def _parse(der: bytes) -> _Parsed:
    if not isinstance(der, bytes | bytearray):
        raise PkiError("cert_malformed", {"reason": "not bytes"})
    try:
        cert = x509.Certificate.load(bytes(der), strict=True)
        tbs = cert["tbs_certificate"]
        outer_algorithm = cert["signature_algorithm"]
        # Parameters must be absent; an explicit NULL, as some encoders write, is tolerated.
        if (
            outer_algorithm["algorithm"].dotted != SM2_WITH_SM3_OID
            or outer_algorithm["parameters"].native is not None
        ):
            raise PkiError(
                "cert_algorithm_unsupported",
                {"signature_algorithm": outer_algorithm["algorithm"].dotted},
            )
        if tbs["signature"].dump() != outer_algorithm.dump():
            raise PkiError("cert_malformed", {"reason": "inner and outer algorithms differ"})
        spki = tbs["subject_public_key_info"]
        spki_algorithm = spki["algorithm"]
        if (
            spki_algorithm["algorithm"].native != "ec"
            or spki_algorithm["parameters"].name != "named"
            or spki_algorithm["parameters"].chosen.dotted != SM2_CURVE_OID
        ):
            raise PkiError("cert_algorithm_unsupported", {"reason": "not an SM2 public key"})
        try:
            public_key = Sm2PublicKey.from_der(spki.dump())
        except GmError:
            raise PkiError("cert_malformed", {"reason": "bad public key"}) from None
        not_before = tbs["validity"]["not_before"].native
        not_after = tbs["validity"]["not_after"].native
        if not isinstance(not_before, datetime) or not isinstance(not_after, datetime):
            raise PkiError("cert_malformed", {"reason": "validity out of range"})
        basic = cert.basic_constraints_value
        usage = cert.key_usage_value
        authority = cert.authority_key_identifier
        info = CertificateInfo(
            serial=int(tbs["serial_number"].native),
            subject_common_name=_common_name(tbs["subject"]),
            issuer_common_name=_common_name(tbs["issuer"]),
            not_before=not_before,
            not_after=not_after,
            public_key=public_key,
            is_ca=bool(basic is not None and basic["ca"].native),
            key_identifier=cert.key_identifier,
            tbs=tbs.dump(),
            signature=bytes(cert["signature_value"].native),
        )
        # The signature covers the TBS bytes as they are, but not the envelope around them:
        # insist that the envelope is DER (e.g. no unused bits in the signature BIT STRING),
        # so that one signed certificate has exactly one encoding.
        bit_string = b"\x00" + info.signature
        envelope = info.tbs + outer_algorithm.dump() + _tlv(0x03, bit_string)
        if _tlv(0x30, envelope) != der:
            raise PkiError("cert_malformed", {"reason": "the certificate envelope is not DER"})
        return _Parsed(
            info=info,
            subject=tbs["subject"],
            issuer=tbs["issuer"],
            subject_key=tbs["subject"].hashable,
            issuer_key=tbs["issuer"].hashable,
            path_length=None if basic is None else basic["path_len_constraint"].native,
            may_sign_certificates=usage is None or "key_cert_sign" in usage.native,
            authority_key_identifier=authority,
        )
    except PkiError:
        raise
    except _MALFORMED_INPUT_ERRORS as exc:
        raise PkiError("cert_malformed", {"reason": type(exc).__name__}) from None


def parse_certificate(der: bytes) -> CertificateInfo:
    """The fields of a DER certificate; ``cert_malformed`` if it is not one,
    ``cert_algorithm_unsupported`` if it is not SM2-with-SM3 over an SM2 key.

    Parsing checks no signature: see :func:`verify_issued_by` and :func:`verify_chain`.
    """
    return _parse(der).info


# --------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------


def _check_link(child: _Parsed, parent: _Parsed) -> None:
    """``child`` was signed by ``parent``: names, key identifiers, CA-ness, then signature."""
    if child.issuer_key != parent.subject_key:
        raise PkiError(
            "cert_issuer_mismatch",
            {"issuer": child.info.issuer_common_name, "given": parent.info.subject_common_name},
        )
    if (
        child.authority_key_identifier is not None
        and parent.info.key_identifier is not None
        and child.authority_key_identifier != parent.info.key_identifier
    ):
        raise PkiError("cert_issuer_mismatch", {"reason": "key identifiers differ"})
    if not parent.info.is_ca or not parent.may_sign_certificates:
        raise PkiError("cert_not_ca", {"issuer": parent.info.subject_common_name})
    if not parent.info.public_key.verify(child.info.signature, child.info.tbs):
        raise PkiError("cert_signature_invalid", {"subject": child.info.subject_common_name})


def verify_issued_by(cert: bytes, issuer_cert: bytes) -> None:
    """Check that ``issuer_cert`` issued ``cert``: the issuer name matches its subject (and
    the authority key identifier its key identifier, when both are present), it is a CA
    allowed to sign certificates, and the SM2 signature (default user ID) verifies.

    Validity periods are not looked at; :func:`verify_chain` does that.
    """
    _check_link(_parse(cert), _parse(issuer_cert))


def verify_chain(cert: bytes, chain: Sequence[bytes], *, at: datetime) -> CertificateInfo:
    """Verify ``cert`` up to a root and answer its fields.

    ``chain`` lists the issuers from the one that signed ``cert`` up to the root CA, e.g.
    ``[issuing CA, root CA]``. Every link is checked as by :func:`verify_issued_by`; the root
    must be self-signed with a valid signature; each CA's path length constraint must allow
    the CAs below it; and every certificate must be valid at ``at`` (an aware datetime; a
    naive one is ``cert_request_invalid``), bounds included.
    Links and signatures are checked before validity periods, so a forged certificate is
    reported as such even if it has also expired.

    Whether the root is trusted is the caller's business: pass only a root from its own
    configuration, never one taken from the data being verified.
    """
    moment = _aware(at, "at")
    if not chain:
        raise PkiError("cert_issuer_mismatch", {"reason": "empty chain"})
    path = [_parse(cert), *(_parse(c) for c in chain)]
    for child, parent in pairwise(path):
        _check_link(child, parent)
    root = path[-1]
    _check_link(root, root)
    for below, ca in enumerate(path[1:]):
        if ca.path_length is not None and below > ca.path_length:
            raise PkiError(
                "cert_not_ca",
                {"issuer": ca.info.subject_common_name, "reason": "path length exceeded"},
            )
    for depth, item in enumerate(path):
        if moment < item.info.not_before:
            raise PkiError(
                "cert_not_yet_valid", {"depth": depth, "not_before": str(item.info.not_before)}
            )
        if moment > item.info.not_after:
            raise PkiError("cert_expired", {"depth": depth, "not_after": str(item.info.not_after)})
    return path[0].info


# --------------------------------------------------------------------------------------------
# Issuing
# --------------------------------------------------------------------------------------------


def _name(organization: str, common_name: str, unit: str | None = None) -> x509.Name:
    fields = {
        "country_name": "CN",
        "organization_name": _check_text(organization, "organization"),
        "common_name": _check_text(common_name, "common_name"),
    }
    if unit is not None:
        fields["organizational_unit_name"] = unit
    return x509.Name.build(fields)


def _extension(extn_id: str, value: Any, *, critical: bool = False) -> x509.Extension:
    return x509.Extension({"extn_id": extn_id, "critical": critical, "extn_value": value})


def _ca_extensions(key_id: bytes, path_length: int | None) -> list[x509.Extension]:
    constraints: dict[str, Any] = {"ca": True}
    if path_length is not None:
        constraints["path_len_constraint"] = path_length
    return [
        _extension("basic_constraints", constraints, critical=True),
        _extension("key_usage", {"key_cert_sign", "crl_sign"}, critical=True),
        _extension("key_identifier", key_id),
    ]


def _signed(key: Sm2PrivateKey, tbs: bytes) -> bytes:
    """Certificate ::= SEQUENCE { tbs, sm2-with-sm3, BIT STRING signature }."""
    signature = key.sign(tbs)
    return _tlv(0x30, tbs + _ALGORITHM_DER + _tlv(0x03, b"\x00" + signature))


def _tbs(
    *,
    serial: int,
    issuer: x509.Name,
    subject: x509.Name,
    not_before: datetime,
    not_after: datetime,
    spki: bytes,
    extensions: list[x509.Extension],
) -> bytes:
    start, end = _validity(not_before, not_after)
    tbs: bytes = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": _check_serial(serial),
            "signature": algos.SignedDigestAlgorithm({"algorithm": SM2_WITH_SM3_OID}),
            "issuer": issuer,
            "validity": {"not_before": _asn1_time(start), "not_after": _asn1_time(end)},
            "subject": subject,
            "subject_public_key_info": keys.PublicKeyInfo.load(spki),
            "extensions": extensions,
        }
    ).dump()
    return tbs


def _issuer(issuer_key: Sm2PrivateKey, issuer_cert: bytes, *, for_ca: bool) -> _Parsed:
    """The parsed issuer certificate, checked to be a CA whose key is ``issuer_key``."""
    issuer = _parse(issuer_cert)
    if not issuer.info.is_ca or not issuer.may_sign_certificates:
        raise PkiError("cert_not_ca", {"issuer": issuer.info.subject_common_name})
    if for_ca and issuer.path_length == 0:
        raise PkiError(
            "cert_not_ca",
            {"issuer": issuer.info.subject_common_name, "reason": "path length 0: no sub-CA"},
        )
    if issuer_key.public_key() != issuer.info.public_key:
        raise PkiError("cert_issuer_mismatch", {"reason": "the key is not the certificate's"})
    return issuer


def issue_root_ca(
    *,
    key: Sm2PrivateKey,
    common_name: str,
    organization: str,
    serial: int,
    not_before: datetime,
    not_after: datetime,
) -> bytes:
    """A self-signed root CA certificate (DER): v3, basicConstraints CA:TRUE and keyUsage
    keyCertSign+cRLSign (both critical), subjectKeyIdentifier; subject C=CN, O, CN."""
    spki = key.public_key().to_der()
    name = _name(organization, common_name)
    tbs = _tbs(
        serial=serial,
        issuer=name,
        subject=name,
        not_before=not_before,
        not_after=not_after,
        spki=spki,
        extensions=_ca_extensions(_key_identifier(spki), None),
    )
    return _signed(key, tbs)


def issue_intermediate_ca(
    *,
    issuer_key: Sm2PrivateKey,
    issuer_cert: bytes,
    public_key: Sm2PublicKey,
    common_name: str,
    organization: str,
    serial: int,
    not_before: datetime,
    not_after: datetime,
    path_length: int = 0,
) -> bytes:
    """An issuing CA certificate (DER) signed by ``issuer_key``, whose certificate is
    ``issuer_cert``: basicConstraints CA:TRUE with ``path_length`` and keyUsage
    keyCertSign+cRLSign (both critical), subject and authority key identifiers.

    The default path length 0 lets the CA sign card certificates but no further CA.
    """
    if isinstance(path_length, bool) or not isinstance(path_length, int) or path_length < 0:
        raise PkiError("cert_request_invalid", {"field": "path_length"})
    issuer = _issuer(issuer_key, issuer_cert, for_ca=True)
    spki = public_key.to_der()
    extensions = _ca_extensions(_key_identifier(spki), path_length)
    if issuer.info.key_identifier is not None:
        extensions.append(
            _extension("authority_key_identifier", {"key_identifier": issuer.info.key_identifier})
        )
    tbs = _tbs(
        serial=serial,
        issuer=issuer.subject,
        subject=_name(organization, common_name),
        not_before=not_before,
        not_after=not_after,
        spki=spki,
        extensions=extensions,
    )
    return _signed(issuer_key, tbs)


class CardCertificateIssuer:
    """Issues the card certificates of one personalisation batch under one issuing CA.

    Build once per batch: it parses the issuer certificate, checks that it is a CA whose key
    is ``issuer_key``, and prepares every constant DER piece. :meth:`issue` then only writes
    what differs per card and signs. Card certificates: subject C=CN, O=``organization``,
    OU=社会保障卡, CN=card identification code; basicConstraints CA:FALSE and keyUsage
    digitalSignature (both critical), subject and authority key identifiers.

    Holds no mutable state after construction, so one issuer may serve several threads.
    """

    __slots__ = ("_after_serial", "_extensions_head", "_extensions_tail", "_key", "_subject_rdns")

    def __init__(self, issuer_key: Sm2PrivateKey, issuer_cert: bytes, organization: str) -> None:
        issuer = _issuer(issuer_key, issuer_cert, for_ca=False)
        self._key = issuer_key
        # version || serial || [constant: algorithm, issuer name] || validity || subject || ...
        self._after_serial = _ALGORITHM_DER + issuer.subject.dump()
        constant_subject = x509.Name.build(
            {
                "country_name": "CN",
                "organization_name": _check_text(organization, "organization"),
                "organizational_unit_name": CARD_UNIT,
            }
        )
        self._subject_rdns = constant_subject.chosen.contents  # the SET OF RDNs without header
        issuer_key_id = (
            issuer.info.key_identifier or sm3(_spki_point(issuer.info.public_key.to_der()))[:20]
        )
        before_ski = (
            _extension("basic_constraints", {"ca": False}, critical=True).dump()
            + _extension("key_usage", {"digital_signature"}, critical=True).dump()
        )
        after_ski = _extension("authority_key_identifier", {"key_identifier": issuer_key_id}).dump()
        # Every extension has a constant length, so the [3] and SEQUENCE headers are constant.
        extensions_size = len(before_ski) + len(_SKI_HEAD) + 20 + len(after_ski)
        sequence_head = b"\x30" + _der_length(extensions_size)
        self._extensions_head = (
            b"\xa3"
            + _der_length(len(sequence_head) + extensions_size)
            + sequence_head
            + before_ski
            + _SKI_HEAD
        )
        self._extensions_tail = after_ski

    def issue(
        self,
        *,
        serial: int,
        card_id_code: str,
        public_key_der: bytes,
        not_before: datetime,
        not_after: datetime,
    ) -> bytes:
        """The DER certificate of one card.

        ``card_id_code`` must be a well-formed card identification code (else
        ``CardCodeError("card_id_code_invalid")``); ``public_key_der`` the uncompressed SM2
        SubjectPublicKeyInfo of the card's key (as :func:`gm.sm2_generate_keypair` gives),
        whose point is checked to lie on the curve.
        """
        common_name = parse_card_identification_code(card_id_code).encode("ascii")
        point = _spki_point(public_key_der)
        start, end = _validity(not_before, not_after)
        name_attribute = _tlv(0x30, _CN_TYPE + _tlv(0x0C, common_name))
        subject = _tlv(0x30, self._subject_rdns + _tlv(0x31, name_attribute))
        validity = _tlv(0x30, _der_time(start) + _der_time(end))
        tbs = _tlv(
            0x30,
            b"".join(
                (
                    _VERSION_V3,
                    _der_integer(_check_serial(serial)),
                    self._after_serial,
                    validity,
                    subject,
                    public_key_der,
                    self._extensions_head,
                    sm3(point)[:20],
                    self._extensions_tail,
                )
            ),
        )
        return _signed(self._key, tbs)


# --------------------------------------------------------------------------------------------
# PEM
# --------------------------------------------------------------------------------------------


def to_pem(der: bytes, label: str = "CERTIFICATE") -> str:
    """PEM armour (64-character base64 lines) around ``der``."""
    armored: bytes = pem.armor(label, bytes(der))
    return armored.decode("ascii")


def from_pem(text: str, label: str = "CERTIFICATE") -> bytes:
    """The DER inside the first PEM block of ``text``, which must carry ``label``;
    ``cert_malformed`` otherwise."""
    try:
        found, _headers, der = pem.unarmor(text.encode("ascii"), multiple=False)
    except (ValueError, UnicodeEncodeError, AttributeError):
        raise PkiError("cert_malformed", {"reason": "not PEM"}) from None
    if found != label:
        raise PkiError("cert_malformed", {"reason": f"PEM label {found!r}, expected {label!r}"})
    return bytes(der)


# --------------------------------------------------------------------------------------------
# Certificate revocation lists (RFC 5280 section 5), signed SM2-with-SM3
# --------------------------------------------------------------------------------------------

#: The CRLReason names (RFC 5280 section 5.3.1) a revocation may give; asn1crypto's spelling.
CRL_REASONS: Final = (
    "unspecified",
    "key_compromise",
    "ca_compromise",
    "affiliation_changed",
    "superseded",
    "cessation_of_operation",
    "certificate_hold",
    "privilege_withdrawn",
)


@dataclass(frozen=True, slots=True)
class RevokedEntry:
    """One revoked certificate in a CRL: its serial, when it was revoked (aware), and why
    (one of :data:`CRL_REASONS`; ``unspecified`` is written as no reason code, RFC 5280
    section 5.3.1)."""

    serial: int
    revoked_at: datetime
    reason: str = "unspecified"


@dataclass(frozen=True, slots=True)
class CrlInfo:
    """What a caller needs of a CRL. Times are aware UTC datetimes."""

    issuer_common_name: str
    this_update: datetime
    next_update: datetime | None
    crl_number: int | None
    authority_key_identifier: bytes | None
    revoked: tuple[RevokedEntry, ...]
    tbs: bytes
    signature: bytes

    def is_revoked(self, serial: int) -> bool:
        return any(entry.serial == serial for entry in self.revoked)


def _crl_refused(field: str, reason: str) -> PkiError:
    return PkiError("crl_request_invalid", {"field": field, "reason": reason})


def _crl_moment(moment: datetime, field: str) -> datetime:
    try:
        return _utc(moment, field)
    except PkiError:
        raise _crl_refused(field, "not an aware datetime") from None


def issue_crl(
    *,
    issuer_key: Sm2PrivateKey,
    issuer_cert: bytes,
    this_update: datetime,
    next_update: datetime,
    crl_number: int,
    revoked: Sequence[RevokedEntry],
    user_id: bytes = DEFAULT_USER_ID,
) -> bytes:
    """An X.509 v2 CRL (DER) signed SM2-with-SM3 (default user ID) by the CA whose
    certificate is ``issuer_cert`` and key ``issuer_key``.

    The issuer name is the CA's subject; the CRL carries the extensions cRLNumber and
    authorityKeyIdentifier (the CA's key identifier), both non-critical; every entry its
    serial, revocation date and, unless ``unspecified``, its reasonCode. Entries are written
    in ascending serial order, so that the same revocations give the same bytes (the SM2
    signature itself is randomised).

    ``user_id`` is the SM2 user ID of the signature (ZA): the GM/T 0009 default, as for the
    certificates. OpenSSL 3.0's ``openssl crl -verify`` has no option to set it (unlike
    ``openssl verify -vfyopt``; libcrypto has no distinguishing ID for a CRL) and verifies with
    the EMPTY ID; the tests sign one CRL with ``user_id=b""`` to show that ``openssl crl
    -verify`` accepts the structure, and check the published one (default ID) with ``openssl
    dgst -sigopt distid:1234567812345678`` over its TBS.

    The CA must be allowed to sign CRLs (keyUsage cRLSign, or no keyUsage): ``cert_not_ca``
    otherwise; bad arguments are ``crl_request_invalid``.
    """
    issuer = _parse(issuer_cert)
    usage = x509.Certificate.load(issuer_cert).key_usage_value
    if not issuer.info.is_ca or (usage is not None and "crl_sign" not in usage.native):
        raise PkiError("cert_not_ca", {"issuer": issuer.info.subject_common_name})
    if issuer_key.public_key() != issuer.info.public_key:
        raise PkiError("cert_issuer_mismatch", {"reason": "the key is not the certificate's"})
    start = _crl_moment(this_update, "this_update")
    end = _crl_moment(next_update, "next_update")
    if start >= end:
        raise _crl_refused("next_update", "not after this_update")
    if isinstance(crl_number, bool) or not isinstance(crl_number, int) or crl_number < 0:
        raise _crl_refused("crl_number", "not a non-negative integer")
    if crl_number >= _MAX_SERIAL:
        raise _crl_refused("crl_number", "more than 20 octets")
    entries: list[dict[str, Any]] = []
    seen: set[int] = set()
    if any(not isinstance(entry, RevokedEntry) for entry in revoked):
        raise _crl_refused("revoked", "not a RevokedEntry")
    for entry in sorted(revoked, key=lambda e: e.serial if isinstance(e.serial, int) else 0):
        try:
            serial = _check_serial(entry.serial)
        except PkiError:
            raise _crl_refused("serial", "not in [1, 2**159)") from None
        if serial in seen:
            raise _crl_refused("serial", "listed twice")
        seen.add(serial)
        if entry.reason not in CRL_REASONS:
            raise _crl_refused("reason", f"unknown reason {entry.reason!r}")
        item: dict[str, Any] = {
            "user_certificate": serial,
            "revocation_date": _asn1_time(_crl_moment(entry.revoked_at, "revoked_at")),
        }
        if entry.reason != "unspecified":
            item["crl_entry_extensions"] = [
                {"extn_id": "crl_reason", "critical": False, "extn_value": entry.reason}
            ]
        entries.append(item)
    key_id = issuer.info.key_identifier or sm3(_spki_point(issuer.info.public_key.to_der()))[:20]
    fields: dict[str, Any] = {
        "version": "v2",
        "signature": algos.SignedDigestAlgorithm({"algorithm": SM2_WITH_SM3_OID}),
        "issuer": issuer.subject,
        "this_update": _asn1_time(start),
        "next_update": _asn1_time(end),
        "crl_extensions": [
            {"extn_id": "crl_number", "critical": False, "extn_value": crl_number},
            {
                "extn_id": "authority_key_identifier",
                "critical": False,
                "extn_value": {"key_identifier": key_id},
            },
        ],
    }
    if entries:  # RFC 5280: an empty list of revoked certificates is left out
        fields["revoked_certificates"] = entries
    tbs: bytes = crl.TbsCertList(fields).dump()
    signature = issuer_key.sign(tbs, user_id=user_id)
    return _tlv(0x30, tbs + _ALGORITHM_DER + _tlv(0x03, b"\x00" + signature))


def _parse_crl(der: bytes) -> tuple[CrlInfo, str]:
    """The CRL's fields and its issuer name prepared for comparison."""
    if not isinstance(der, bytes | bytearray):
        raise PkiError("crl_malformed", {"reason": "not bytes"})
    der = bytes(der)
    try:
        certificate_list = crl.CertificateList.load(der, strict=True)
        tbs = certificate_list["tbs_cert_list"]
        outer_algorithm = certificate_list["signature_algorithm"]
        if (
            outer_algorithm["algorithm"].dotted != SM2_WITH_SM3_OID
            or outer_algorithm["parameters"].native is not None
        ):
            raise PkiError(
                "cert_algorithm_unsupported",
                {"signature_algorithm": outer_algorithm["algorithm"].dotted},
            )
        if tbs["signature"].dump() != outer_algorithm.dump():
            raise PkiError("crl_malformed", {"reason": "inner and outer algorithms differ"})
        if tbs["version"].native != "v2":
            raise PkiError("crl_malformed", {"reason": "not a v2 CRL"})
        this_update = tbs["this_update"].native
        next_update = tbs["next_update"].native
        if not isinstance(this_update, datetime) or not (
            next_update is None or isinstance(next_update, datetime)
        ):
            raise PkiError("crl_malformed", {"reason": "update times out of range"})
        number: int | None = None
        authority: bytes | None = None
        for extension in tbs["crl_extensions"]:
            name = extension["extn_id"].native
            if name == "crl_number":
                number = int(extension["extn_value"].parsed.native)
            elif name == "authority_key_identifier":
                found = extension["extn_value"].parsed["key_identifier"].native
                authority = None if found is None else bytes(found)
            elif extension["critical"].native:
                raise PkiError("crl_malformed", {"reason": f"unknown critical extension {name}"})
        revoked: list[RevokedEntry] = []
        for item in tbs["revoked_certificates"]:
            reason = "unspecified"
            for extension in item["crl_entry_extensions"]:
                if extension["extn_id"].native == "crl_reason":
                    reason = str(extension["extn_value"].parsed.native)
                elif extension["critical"].native:
                    raise PkiError("crl_malformed", {"reason": "unknown critical entry extension"})
            revoked_at = item["revocation_date"].native
            if not isinstance(revoked_at, datetime):
                raise PkiError("crl_malformed", {"reason": "revocation date out of range"})
            revoked.append(
                RevokedEntry(
                    serial=int(item["user_certificate"].native),
                    revoked_at=revoked_at,
                    reason=reason,
                )
            )
        info = CrlInfo(
            issuer_common_name=_common_name(tbs["issuer"]),
            this_update=this_update,
            next_update=next_update,
            crl_number=number,
            authority_key_identifier=authority,
            revoked=tuple(revoked),
            tbs=tbs.dump(),
            signature=bytes(certificate_list["signature"].native),
        )
        envelope = info.tbs + outer_algorithm.dump() + _tlv(0x03, b"\x00" + info.signature)
        if _tlv(0x30, envelope) != der:
            raise PkiError("crl_malformed", {"reason": "the CRL envelope is not DER"})
        return info, tbs["issuer"].hashable
    except PkiError:
        raise
    except _MALFORMED_INPUT_ERRORS as exc:
        raise PkiError("crl_malformed", {"reason": type(exc).__name__}) from None


def parse_crl(der: bytes) -> CrlInfo:
    """The fields of a DER CRL; ``crl_malformed`` if it is not an X.509 v2 CRL,
    ``cert_algorithm_unsupported`` if it is not signed SM2-with-SM3. Checks no signature:
    see :func:`verify_crl`."""
    return _parse_crl(der)[0]


def verify_crl(der: bytes, issuer_cert: bytes, *, user_id: bytes = DEFAULT_USER_ID) -> CrlInfo:
    """Check that the CA of ``issuer_cert`` issued the CRL ``der`` and answer its fields:
    the CRL's issuer is the CA's subject (``cert_issuer_mismatch``), its authority key
    identifier the CA's key identifier, the CA may sign CRLs (``cert_not_ca``), and the SM2
    signature verifies with the default user ID (``crl_signature_invalid``).

    Whether the CRL is current (``next_update``) is the caller's business."""
    info, issuer_name = _parse_crl(der)
    issuer = _parse(issuer_cert)
    if issuer_name != issuer.subject_key:
        raise PkiError(
            "cert_issuer_mismatch",
            {"issuer": info.issuer_common_name, "given": issuer.info.subject_common_name},
        )
    if (
        info.authority_key_identifier is not None
        and issuer.info.key_identifier is not None
        and info.authority_key_identifier != issuer.info.key_identifier
    ):
        raise PkiError("cert_issuer_mismatch", {"reason": "key identifiers differ"})
    usage = x509.Certificate.load(bytes(issuer_cert)).key_usage_value
    if not issuer.info.is_ca or (usage is not None and "crl_sign" not in usage.native):
        raise PkiError("cert_not_ca", {"issuer": issuer.info.subject_common_name})
    if not issuer.info.public_key.verify(info.signature, info.tbs, user_id=user_id):
        raise PkiError("crl_signature_invalid", {"issuer": info.issuer_common_name})
    return info
