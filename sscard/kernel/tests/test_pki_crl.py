"""SM2-with-SM3 certificate revocation lists: checked by the machine's OpenSSL CLI.

OpenSSL 3.0's ``openssl crl -verify`` cannot be given the SM2 user ID (it has no ``-vfyopt``
and libcrypto keeps no distinguishing ID for a CRL): it verifies with the EMPTY ID. So the
published CRL (GM/T 0009 default ID, as the certificates) is checked by ``openssl dgst
-sigopt distid:1234567812345678`` over its TBS, and ``openssl crl -verify`` itself checks a
CRL that sscard signed with the empty ID: same builder, same bytes but the signature.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import crl as asn1_crl

from sscard.kernel import pki
from sscard.kernel.gm import Sm2PrivateKey
from sscard.kernel.pki import RevokedEntry
from sscard.kernel.tests.test_pki import (
    DISTID,
    NOW,
    Pki,
    ca,  # noqa: F401  (the module fixture)
    card,
    openssl,
    openssl_is_3_0,
    openssl_ok,
    raises,
    write_pem,
)

REVOKED_AT = NOW - timedelta(hours=3)


def build(ca: Pki, *, user_id: bytes | None = None, **overrides: object) -> bytes:  # noqa: F811
    args: dict[str, object] = {
        "issuer_key": ca.issuing_key,
        "issuer_cert": ca.issuing,
        "this_update": NOW,
        "next_update": NOW + timedelta(days=7),
        "crl_number": 12,
        "revoked": [
            RevokedEntry(1002, REVOKED_AT, "key_compromise"),
            RevokedEntry(1001, REVOKED_AT),
            RevokedEntry(1003, REVOKED_AT, "cessation_of_operation"),
        ],
    }
    if user_id is not None:
        args["user_id"] = user_id
    args.update(overrides)
    return pki.issue_crl(**args)  # type: ignore[arg-type]


def write_crl(path: Path, der: bytes) -> str:
    path.write_text(pki.to_pem(der, "X509 CRL"), encoding="ascii")
    return str(path)


def tampered(der: bytes) -> bytes:
    """The CRL with the serial 1003 turned into 1004 (inside the signed TBS)."""
    marker = bytes.fromhex("020203eb")  # INTEGER 1003
    assert der.count(marker) == 1
    return der.replace(marker, bytes.fromhex("020203ec"))


def crl_verify(tmp_path: Path, ca: Pki, der: bytes, name: str) -> str:  # noqa: F811
    """``openssl crl -verify`` of ``der`` against the issuing CA: its stderr verdict.
    (OpenSSL 3.0's crl command exits 0 on a verify failure: read what it says.)"""
    issuing = write_pem(tmp_path / "issuing.pem", ca.issuing)
    done = openssl(
        "crl", "-in", write_crl(tmp_path / name, der), "-CAfile", issuing, "-verify", "-noout"
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_openssl_crl_verify_accepts_an_sscard_crl_and_refuses_a_tampered_one(
    tmp_path: Path,
    ca: Pki,  # noqa: F811
) -> None:
    # given a CRL built by sscard and signed with the ID openssl crl uses (empty)
    der = build(ca, user_id=b"")
    # then openssl crl -verify accepts it
    assert "verify OK" in crl_verify(tmp_path, ca, der, "good.pem")
    # and refuses it once a serial is changed
    assert "verify failure" in crl_verify(tmp_path, ca, tampered(der), "bad.pem")
    # and sscard agrees with both, given the same ID
    assert pki.verify_crl(der, ca.issuing, user_id=b"").crl_number == 12
    raises("crl_signature_invalid", pki.verify_crl, tampered(der), ca.issuing, user_id=b"")


def test_openssl_checks_the_published_crl_with_the_standard_id(tmp_path: Path, ca: Pki) -> None:  # noqa: F811
    # given the CRL as sscard publishes it: signed with the GM/T 0009 default user ID
    der = build(ca)
    path = write_crl(tmp_path / "crl.pem", der)
    # when openssl reads it, every field is where RFC 5280 puts it
    text = openssl_ok("crl", "-in", path, "-noout", "-text")
    assert "Version 2 (0x1)" in text
    assert "Signature Algorithm: SM2-with-SM3" in text
    assert "X509v3 CRL Number: \n                12" in text
    key_id = pki.parse_certificate(ca.issuing).key_identifier
    assert key_id is not None
    assert ":".join(f"{b:02X}" for b in key_id) in text
    assert text.index("Serial Number: 03E9") < text.index("Serial Number: 03EA")
    assert "Key Compromise" in text
    assert "Cessation Of Operation" in text
    assert "Next Update:" in text
    issuer = openssl_ok("crl", "-in", path, "-noout", "-issuer", "-nameopt", "utf8")
    assert "某市社会保障卡发卡CA" in issuer
    # and the signature verifies in openssl with the standard ID over the TBS
    info = pki.parse_crl(der)
    (tmp_path / "crl.tbs").write_bytes(info.tbs)
    (tmp_path / "crl.sig").write_bytes(info.signature)
    (tmp_path / "ca.pub").write_bytes(ca.issuing_key.public_key().to_pem())
    dgst = ("dgst", "-sm3", "-verify", str(tmp_path / "ca.pub"), "-signature")
    out = openssl_ok(*dgst, str(tmp_path / "crl.sig"), "-sigopt", DISTID, str(tmp_path / "crl.tbs"))
    assert "Verified OK" in out
    # but not with the empty ID, nor over tampered bytes
    assert openssl(*dgst, str(tmp_path / "crl.sig"), str(tmp_path / "crl.tbs")).returncode != 0
    (tmp_path / "bad.tbs").write_bytes(pki.parse_crl(tampered(der)).tbs)
    refused = openssl(
        *dgst, str(tmp_path / "crl.sig"), "-sigopt", DISTID, str(tmp_path / "bad.tbs")
    )
    assert refused.returncode != 0
    # and in sscard
    assert pki.verify_crl(der, ca.issuing).is_revoked(1002)
    raises("crl_signature_invalid", pki.verify_crl, tampered(der), ca.issuing)
    raises("crl_signature_invalid", pki.verify_crl, der, ca.issuing, user_id=b"")


def test_openssl_3_0_crl_verify_uses_the_empty_id(tmp_path: Path, ca: Pki) -> None:  # noqa: F811
    # documents why the published CRL is not given to openssl crl -verify directly
    if not openssl_is_3_0():
        pytest.skip(f"documents OpenSSL 3.0.x behaviour; this is {openssl('version').stdout}")
    assert "verify failure" in crl_verify(tmp_path, ca, build(ca), "std.pem")


def test_openssl_verify_reports_a_revoked_card_certificate(tmp_path: Path, ca: Pki) -> None:  # noqa: F811
    # given two card certificates, one listed in the CRL (signed with the ID openssl uses)
    revoked_cert = write_pem(tmp_path / "revoked.pem", card(ca, serial=1002)[0])
    good_cert = write_pem(tmp_path / "good.pem", card(ca, serial=1005)[0])
    crl_file = write_crl(tmp_path / "crl.pem", build(ca, user_id=b""))
    issuing = write_pem(tmp_path / "issuing.pem", ca.issuing)
    args = ("verify", "-vfyopt", DISTID, "-partial_chain", "-crl_check", "-CRLfile", crl_file)
    # then openssl's own revocation check refuses the revoked one and accepts the other
    done = openssl(*args, "-CAfile", issuing, revoked_cert)
    assert done.returncode != 0
    assert "certificate revoked" in done.stderr + done.stdout
    assert f"{good_cert}: OK" in openssl_ok(*args, "-CAfile", issuing, good_cert)


def test_parse_crl_answers_the_fields(ca: Pki) -> None:  # noqa: F811
    info = pki.verify_crl(build(ca), ca.issuing)
    assert info.issuer_common_name == "某市社会保障卡发卡CA"
    assert info.this_update == NOW
    assert info.next_update == NOW + timedelta(days=7)
    assert info.crl_number == 12
    assert info.authority_key_identifier == pki.parse_certificate(ca.issuing).key_identifier
    assert [(e.serial, e.reason) for e in info.revoked] == [
        (1001, "unspecified"),
        (1002, "key_compromise"),
        (1003, "cessation_of_operation"),
    ]
    assert all(e.revoked_at == REVOKED_AT for e in info.revoked)
    assert not info.is_revoked(1004)
    # an empty CRL leaves the list out and still verifies
    empty = pki.verify_crl(build(ca, revoked=[]), ca.issuing)
    assert empty.revoked == ()
    loaded = asn1_crl.CertificateList.load(build(ca, revoked=[]))
    assert (
        "revoked_certificates" not in loaded["tbs_cert_list"].native
        or not loaded["tbs_cert_list"]["revoked_certificates"].native
    )


def test_verify_crl_refuses_another_issuer(ca: Pki) -> None:  # noqa: F811
    der = build(ca)
    # the root did not sign it (issuer name differs)
    raises("cert_issuer_mismatch", pki.verify_crl, der, ca.root)
    # another CA with the same name but another key
    other_key = Sm2PrivateKey.generate()
    other = pki.issue_intermediate_ca(
        issuer_key=ca.root_key,
        issuer_cert=ca.root,
        public_key=other_key.public_key(),
        common_name="某市社会保障卡发卡CA",
        organization="某市人力资源和社会保障局",
        serial=99,
        not_before=NOW - timedelta(days=1),
        not_after=NOW + timedelta(days=300),
    )
    raises("cert_issuer_mismatch", pki.verify_crl, der, other)
    # a card certificate may not sign a CRL
    leaf, scalar, _spki = card(ca, serial=2000)
    raises("cert_not_ca", pki.issue_crl, **{
        "issuer_key": Sm2PrivateKey.from_scalar(scalar), "issuer_cert": leaf,
        "this_update": NOW, "next_update": NOW + timedelta(1), "crl_number": 1, "revoked": [],
    })  # fmt: skip
    # the key must be the CA's
    raises("cert_issuer_mismatch", build, ca, issuer_key=other_key)


def test_issue_crl_refuses_bad_arguments(ca: Pki) -> None:  # noqa: F811
    naive = datetime(2030, 1, 1)
    for overrides in (
        {"this_update": naive},
        {"next_update": NOW},
        {"next_update": NOW - timedelta(seconds=1)},
        {"crl_number": -1},
        {"crl_number": True},
        {"crl_number": 1 << 160},
        {"revoked": [RevokedEntry(0, REVOKED_AT)]},
        {"revoked": [RevokedEntry(5, naive)]},
        {"revoked": [RevokedEntry(5, REVOKED_AT), RevokedEntry(5, REVOKED_AT)]},
        {"revoked": [RevokedEntry(5, REVOKED_AT, "because")]},
        {"revoked": [(5, REVOKED_AT)]},
    ):
        raises("crl_request_invalid", build, ca, **overrides)


def test_garbage_and_certificates_are_not_crls(ca: Pki) -> None:  # noqa: F811
    for junk in (b"", b"\x30\x00", ca.issuing, b"not der", "text"):
        raises("crl_malformed", pki.parse_crl, junk)
    der = build(ca)
    # a trailing byte breaks DER
    raises("crl_malformed", pki.parse_crl, der + b"\x00")
    # PEM round trip with the CRL label
    assert pki.from_pem(pki.to_pem(der, "X509 CRL"), "X509 CRL") == der
