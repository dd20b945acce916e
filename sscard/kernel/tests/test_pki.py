"""SM2-with-SM3 certificates: checked by the machine's OpenSSL CLI, and OpenSSL's checked here."""

from __future__ import annotations

import shutil
import subprocess
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from asn1crypto import keys, x509

from sscard.kernel import gm, pki
from sscard.kernel.cardcodes import CardCodeError, card_identification_code
from sscard.kernel.gm import Sm2PrivateKey, Sm2PublicKey
from sscard.kernel.pki import CardCertificateIssuer, PkiError

OPENSSL = shutil.which("openssl")
DISTID = "distid:1234567812345678"
ORG = "某市人力资源和社会保障局"
NOW = datetime.now(UTC).replace(microsecond=0)
START = NOW - timedelta(days=1)


def openssl(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the openssl CLI; the interoperability tests FAIL (not skip) if it is missing."""
    if OPENSSL is None:
        pytest.fail("the openssl command line is required for the interoperability tests")
    return subprocess.run(
        [OPENSSL, *args], capture_output=True, text=True, check=False, timeout=120, cwd=cwd
    )


def openssl_ok(*args: str, cwd: Path | None = None) -> str:
    done = openssl(*args, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout


def openssl_is_3_0() -> bool:
    return openssl("version").stdout.startswith("OpenSSL 3.0.")


def code(serial: int) -> str:
    return card_identification_code("110100", serial)


def raises(code_: str, call: object, *args: object, **kwargs: object) -> PkiError:
    assert callable(call)
    with pytest.raises(PkiError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code_, caught.value.details
    return caught.value


@dataclass(frozen=True)
class Pki:
    root_key: Sm2PrivateKey
    root: bytes
    issuing_key: Sm2PrivateKey
    issuing: bytes
    issuer: CardCertificateIssuer


@pytest.fixture(scope="module")
def ca() -> Pki:
    root_key = Sm2PrivateKey.generate()
    root = pki.issue_root_ca(
        key=root_key,
        common_name="某市社会保障卡根CA",
        organization=ORG,
        serial=1,
        not_before=START,
        not_after=NOW + timedelta(days=365 * 30),
    )
    issuing_key = Sm2PrivateKey.generate()
    issuing = pki.issue_intermediate_ca(
        issuer_key=root_key,
        issuer_cert=root,
        public_key=issuing_key.public_key(),
        common_name="某市社会保障卡发卡CA",
        organization=ORG,
        serial=2,
        not_before=START,
        not_after=NOW + timedelta(days=365 * 20),
    )
    return Pki(
        root_key, root, issuing_key, issuing, CardCertificateIssuer(issuing_key, issuing, ORG)
    )


def card(ca: Pki, serial: int = 1000, **overrides: object) -> tuple[bytes, bytes, bytes]:
    """(certificate, scalar, SPKI) of a new card key."""
    scalar, spki = gm.sm2_generate_keypair()
    args: dict[str, object] = {
        "serial": serial,
        "card_id_code": code(serial % 16**16),
        "public_key_der": spki,
        "not_before": START,
        "not_after": NOW + timedelta(days=365 * 10),
    }
    args.update(overrides)
    return ca.issuer.issue(**args), scalar, spki  # type: ignore[arg-type]


def write_pem(path: Path, der: bytes) -> str:
    path.write_text(pki.to_pem(der), encoding="ascii")
    return str(path)


def sm2_time(moment: datetime) -> x509.Time:
    return x509.Time(name="utc_time" if moment.year < 2050 else "general_time", value=moment)


def craft(
    *,
    issuer: x509.Name,
    issuer_key: Sm2PrivateKey,
    subject_cn: str,
    spki: bytes,
    ca_flag: bool | None,
    path_len: int | None = None,
) -> bytes:
    """A certificate built directly with asn1crypto, bypassing the issuing checks of pki."""
    extensions = []
    if ca_flag is not None:
        constraints: dict[str, object] = {"ca": ca_flag}
        if path_len is not None:
            constraints["path_len_constraint"] = path_len
        extensions.append(
            {"extn_id": "basic_constraints", "critical": True, "extn_value": constraints}
        )
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": 4242,
            "signature": {"algorithm": pki.SM2_WITH_SM3_OID},
            "issuer": issuer,
            "validity": {"not_before": sm2_time(START), "not_after": sm2_time(NOW + timedelta(9))},
            "subject": x509.Name.build({"common_name": subject_cn}),
            "subject_public_key_info": keys.PublicKeyInfo.load(spki),
            "extensions": extensions,
        }
    )
    der: bytes = x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": {"algorithm": pki.SM2_WITH_SM3_OID},
            "signature_value": issuer_key.sign(tbs.dump()),
        }
    ).dump()
    return der


def subject_of(der: bytes) -> x509.Name:
    return x509.Certificate.load(der).subject


# -- OpenSSL accepts what sscard issues -------------------------------------------------------


def test_openssl_verifies_fifty_card_certificates_with_the_standard_id(
    tmp_path: Path, ca: Pki
) -> None:
    # given a root CA, an issuing CA and 50 card certificates, as PEM files
    root = write_pem(tmp_path / "root.pem", ca.root)
    issuing = write_pem(tmp_path / "issuing.pem", ca.issuing)
    names = [write_pem(tmp_path / f"card{i}.pem", card(ca, serial=i)[0]) for i in range(1, 51)]
    # when openssl verifies, with the standard SM2 user id, every card under the issuing CA
    # (OpenSSL 3.0's verify applies -vfyopt to the certificate being verified only, never to
    # the CA certificates of its chain: see the next test; so each link is checked as a leaf)
    out = openssl_ok("verify", "-vfyopt", DISTID, "-partial_chain", "-CAfile", issuing, *names)
    # then every one is OK
    for name in names:
        assert f"{name}: OK" in out.splitlines()
    assert out.count(": OK") == 50
    # and so is the issuing CA under the root
    assert f"{issuing}: OK" in openssl_ok("verify", "-vfyopt", DISTID, "-CAfile", root, issuing)
    # and the root's own signature (verify never applies -vfyopt to a trust anchor, so its
    # TBS and signature go to openssl dgst)
    info = pki.parse_certificate(ca.root)
    (tmp_path / "root.tbs").write_bytes(info.tbs)
    (tmp_path / "root.sig").write_bytes(info.signature)
    (tmp_path / "root.pub").write_bytes(info.public_key.to_pem())
    out = openssl_ok(
        "dgst", "-sm3", "-verify", str(tmp_path / "root.pub"), "-sigopt", DISTID,
        "-signature", str(tmp_path / "root.sig"), str(tmp_path / "root.tbs"),
    )  # fmt: skip
    assert "Verified OK" in out
    # and the whole three-level chain with an untrusted intermediate, where the version of
    # OpenSSL applies the id to the chain too
    if not openssl_is_3_0():
        chain = openssl_ok(
            "verify", "-vfyopt", DISTID, "-CAfile", root, "-untrusted", issuing, *names
        )
        assert chain.count(": OK") == 50


def test_openssl_3_0_uses_the_empty_id_unless_told(tmp_path: Path, ca: Pki) -> None:
    # OpenSSL 3.0 verifies certificate signatures with an EMPTY SM2 user id, and its verify
    # command sets the -vfyopt distid on the certificate it was given only (apps/verify.c,
    # x509_ctrl_string on the leaf), not on the CAs it finds: GM/T 0015 certificates, signed
    # with the default id, then fail one level up.
    if not openssl_is_3_0():
        pytest.skip(f"documents OpenSSL 3.0.x behaviour; this is {openssl('version').stdout}")
    root = write_pem(tmp_path / "root.pem", ca.root)
    issuing = write_pem(tmp_path / "issuing.pem", ca.issuing)
    leaf = write_pem(tmp_path / "card.pem", card(ca)[0])
    # without -vfyopt, the card's own signature is refused
    partial = ("-partial_chain", "-CAfile", issuing, leaf)
    refused = openssl("verify", *partial)
    assert refused.returncode != 0
    assert "error 7 at 0 depth lookup: certificate signature failure" in refused.stdout + (
        refused.stderr
    )
    assert f"{leaf}: OK" in openssl_ok("verify", "-vfyopt", DISTID, *partial)
    # and in the three-level form the issuing CA's signature fails (depth 1) even with -vfyopt
    three = ("-CAfile", root, "-untrusted", issuing, leaf)
    for args in (three, ("-vfyopt", DISTID, *three)):
        done = openssl("verify", *args)
        assert done.returncode != 0
        assert "certificate signature failure" in done.stdout + done.stderr
    assert "error 7 at 1 depth lookup" in openssl("verify", "-vfyopt", DISTID, *three).stderr


def test_openssl_shows_the_profile(tmp_path: Path, ca: Pki) -> None:
    der, _, _ = card(ca, serial=77)
    texts = {}
    for label, cert in (("card", der), ("root", ca.root), ("issuing", ca.issuing)):
        texts[label] = openssl_ok(
            "x509",
            "-in",
            write_pem(tmp_path / f"{label}.pem", cert),
            "-noout",
            "-text",
            "-nameopt",
            "utf8,sep_comma_plus_space,space_eq",
        )
    for text in texts.values():
        assert "Signature Algorithm: SM2-with-SM3" in text
        assert "ASN1 OID: SM2" in text
        assert "Version: 3 (0x2)" in text
    assert f"Subject: C = CN, O = {ORG}, OU = 社会保障卡, CN = {code(77)}" in texts["card"]
    assert "CA:FALSE" in texts["card"]
    assert "Digital Signature" in texts["card"]
    assert "CA:TRUE" not in texts["card"]
    for label in ("root", "issuing"):
        assert "CA:TRUE" in texts[label]
        assert "Certificate Sign, CRL Sign" in texts[label]
    assert "pathlen:0" in texts["issuing"]
    assert (
        "Issuer: C = CN, O = 某市人力资源和社会保障局, CN = 某市社会保障卡发卡CA" in texts["card"]
    )


# -- the hand-written card certificate is what asn1crypto would write ------------------------


@pytest.mark.parametrize(
    ("serial", "not_after"),
    [
        (1, datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC)),  # last UTCTime
        (2**63, datetime(2050, 1, 1, tzinfo=UTC)),  # first GeneralizedTime, high bit set
        (2**159 - 1, datetime(2099, 6, 30, 12, tzinfo=timezone(timedelta(hours=8)))),
        (255, NOW + timedelta(days=3650, microseconds=999)),
    ],
)
def test_card_certificate_is_byte_identical_to_asn1crypto(
    ca: Pki, serial: int, not_after: datetime
) -> None:
    # given a card certificate from the fast path
    der, _, spki = card(ca, serial=serial, not_after=not_after)
    # when asn1crypto builds the TBS of the same values its own way
    issuer = x509.Certificate.load(ca.issuing)
    point = spki[-65:]
    expected = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial,
            "signature": {"algorithm": "1.2.156.10197.1.501"},
            "issuer": issuer.subject,
            "validity": {
                "not_before": sm2_time(START),
                "not_after": sm2_time(not_after.astimezone(UTC).replace(microsecond=0)),
            },
            "subject": x509.Name.build(
                {
                    "country_name": "CN",
                    "organization_name": ORG,
                    "organizational_unit_name": "社会保障卡",
                    "common_name": code(serial % 16**16),
                }
            ),
            "subject_public_key_info": keys.PublicKeyInfo.load(spki),
            "extensions": [
                {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": False}},
                {"extn_id": "key_usage", "critical": True, "extn_value": {"digital_signature"}},
                {"extn_id": "key_identifier", "extn_value": gm.sm3(point)[:20]},
                {
                    "extn_id": "authority_key_identifier",
                    "extn_value": {"key_identifier": issuer.key_identifier},
                },
            ],
        }
    ).dump()
    # then the bytes are identical, the whole certificate parses, and re-encodes unchanged
    info = pki.parse_certificate(der)
    assert info.tbs == expected
    parsed = x509.Certificate.load(der)
    native = parsed.native
    assert native["tbs_certificate"]["serial_number"] == serial
    assert native["signature_algorithm"]["algorithm"] == "1.2.156.10197.1.501"
    assert native["signature_algorithm"]["parameters"] is None
    assert parsed.dump(force=True) == der
    assert x509.Certificate.load(der, strict=True).dump() == der
    # and the signature is the issuing CA's over exactly those bytes, with the default id
    assert ca.issuing_key.public_key().verify(info.signature, expected)


def test_parse_certificate_answers_the_fields(ca: Pki) -> None:
    der, scalar, spki = card(ca, serial=31337)
    info = pki.parse_certificate(der)
    assert info.serial == 31337
    assert info.subject_common_name == code(31337)
    assert info.issuer_common_name == "某市社会保障卡发卡CA"
    assert info.not_before == START
    assert info.not_before.tzinfo is not None
    assert info.not_after == NOW + timedelta(days=3650)
    assert info.public_key == Sm2PublicKey.from_der(spki)
    assert info.public_key == Sm2PrivateKey.from_scalar(scalar).public_key()
    assert info.is_ca is False
    assert info.key_identifier == gm.sm3(spki[-65:])[:20]
    root = pki.parse_certificate(ca.root)
    issuing = pki.parse_certificate(ca.issuing)
    assert root.is_ca
    assert issuing.is_ca
    assert root.subject_common_name == root.issuer_common_name == "某市社会保障卡根CA"
    assert root.public_key == ca.root_key.public_key()
    assert x509.Certificate.load(ca.issuing).authority_key_identifier == root.key_identifier
    assert x509.Certificate.load(der).authority_key_identifier == issuing.key_identifier


def test_verify_chain_accepts_a_good_chain(ca: Pki) -> None:
    der, _, _ = card(ca)
    info = pki.verify_chain(der, [ca.issuing, ca.root], at=NOW)
    assert info == pki.parse_certificate(der)
    pki.verify_issued_by(der, ca.issuing)
    pki.verify_issued_by(ca.issuing, ca.root)
    pki.verify_issued_by(ca.root, ca.root)


def test_one_issuer_serves_several_threads(ca: Pki) -> None:
    failures: list[str] = []

    def work(n: int) -> None:
        for i in range(10):
            try:
                der, _, _ = card(ca, serial=n * 100 + i + 1)
                pki.verify_chain(der, [ca.issuing, ca.root], at=NOW)
            except Exception as exc:  # a thread's exception would otherwise be lost
                failures.append(f"{n}:{i} {exc!r}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


# -- sscard accepts what OpenSSL issues ------------------------------------------------------


@pytest.fixture(scope="module")
def cli_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA made by ``openssl req -x509`` and leaves made by ``openssl x509 -req``, one signed
    with the standard id and one without it (OpenSSL 3.0's empty id)."""
    d = tmp_path_factory.mktemp("cli")
    openssl_ok(
        "req", "-x509", "-newkey", "sm2", "-nodes", "-keyout", "ca.key",
        "-subj", "/C=CN/O=CLI/CN=CLI Root", "-days", "3650",
        "-sm3", "-sigopt", DISTID, "-out", "ca.pem",
        cwd=d,
    )  # fmt: skip
    openssl_ok(
        "req", "-new", "-newkey", "sm2", "-nodes", "-keyout", "leaf.key",
        "-subj", "/CN=CLI Leaf", "-sm3", "-sigopt", DISTID, "-out", "leaf.csr",
        cwd=d,
    )  # fmt: skip
    sign = (
        "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-days", "365", "-sm3", "-vfyopt", DISTID,
    )  # fmt: skip
    openssl_ok(*sign, "-set_serial", "7", "-sigopt", DISTID, "-out", "leaf.pem", cwd=d)
    openssl_ok(*sign, "-set_serial", "8", "-out", "leaf_noid.pem", cwd=d)
    return d


def read_pem(path: Path) -> bytes:
    return pki.from_pem(path.read_text(encoding="ascii"))


def test_certificates_made_by_openssl_pass_verify_chain(cli_pki: Path) -> None:
    root = read_pem(cli_pki / "ca.pem")
    leaf = read_pem(cli_pki / "leaf.pem")
    info = pki.verify_chain(leaf, [root], at=datetime.now(UTC))
    assert info.subject_common_name == "CLI Leaf"
    assert info.issuer_common_name == "CLI Root"
    assert info.serial == 7
    assert not info.is_ca
    assert pki.parse_certificate(root).is_ca
    pki.verify_issued_by(root, root)
    # the key in the leaf is the one openssl generated
    assert (
        info.public_key == Sm2PrivateKey.from_pem((cli_pki / "leaf.key").read_bytes()).public_key()
    )


def test_a_leaf_signed_by_openssl_without_the_distid_is_refused(cli_pki: Path) -> None:
    root = read_pem(cli_pki / "ca.pem")
    leaf = read_pem(cli_pki / "leaf_noid.pem")
    raises("cert_signature_invalid", pki.verify_chain, leaf, [root], at=datetime.now(UTC))
    raises("cert_signature_invalid", pki.verify_issued_by, leaf, root)
    # it is indeed a signature with the empty id
    info = pki.parse_certificate(leaf)
    root_key = pki.parse_certificate(root).public_key
    assert root_key.verify(info.signature, info.tbs, user_id=b"")


def test_a_p256_certificate_is_unsupported(tmp_path: Path) -> None:
    openssl_ok(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "p.key", "-subj", "/CN=P-256", "-days", "2", "-out", "p.pem",
        cwd=tmp_path,
    )  # fmt: skip
    der = read_pem(tmp_path / "p.pem")
    raises("cert_algorithm_unsupported", pki.parse_certificate, der)
    raises("cert_algorithm_unsupported", pki.verify_chain, der, [der], at=NOW)


# -- what must be refused --------------------------------------------------------------------


def test_any_change_to_a_certificate_is_refused(ca: Pki) -> None:
    # given a card certificate
    der, _, _ = card(ca, serial=5)
    info = pki.parse_certificate(der)
    tbs_start = der.index(info.tbs)
    # when one byte of the serial number inside the TBS is flipped
    serial_at = tbs_start + info.tbs.index(b"\x02\x01\x05") + 2
    changed = der[:serial_at] + b"\x06" + der[serial_at + 1 :]
    assert pki.parse_certificate(changed).serial == 6
    # then the signature no longer verifies
    raises("cert_signature_invalid", pki.verify_issued_by, changed, ca.issuing)
    raises("cert_signature_invalid", pki.verify_chain, changed, [ca.issuing, ca.root], at=NOW)
    # and the same for a changed card identification code, validity, or signature
    for old, new in ((code(5).encode(), code(6).encode()), (b"\x17\x0d", b"\x18\x0d")):
        changed = der.replace(old, new, 1)
        with pytest.raises(PkiError) as caught:
            pki.verify_chain(changed, [ca.issuing, ca.root], at=NOW)
        assert caught.value.code in {"cert_signature_invalid", "cert_malformed"}
    # and flipping any single bit of the certificate never yields an accepted certificate
    outcomes: dict[str, int] = {}
    for i in range(len(der)):
        flipped = der[:i] + bytes([der[i] ^ 0x01]) + der[i + 1 :]
        try:
            pki.verify_chain(flipped, [ca.issuing, ca.root], at=NOW)
            outcome = f"accepted at byte {i}"
        except PkiError as exc:
            outcome = exc.code
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert set(outcomes) <= {
        "cert_signature_invalid",
        "cert_malformed",
        "cert_issuer_mismatch",
        "cert_algorithm_unsupported",
    }, outcomes
    assert outcomes["cert_signature_invalid"] > 100  # most flips reach the signature check


def test_wrong_issuer_is_refused(ca: Pki) -> None:
    der, _, _ = card(ca)
    # the root did not issue the card: its name differs
    raises("cert_issuer_mismatch", pki.verify_issued_by, der, ca.root)
    # a chain that skips the issuing CA
    raises("cert_issuer_mismatch", pki.verify_chain, der, [ca.root], at=NOW)
    # a chain without a self-signed root at its end
    raises("cert_issuer_mismatch", pki.verify_chain, der, [ca.issuing], at=NOW)
    raises("cert_issuer_mismatch", pki.verify_chain, der, [], at=NOW)
    # an impostor CA with the same name but another key: the key identifiers differ
    impostor_key = Sm2PrivateKey.generate()
    impostor = pki.issue_intermediate_ca(
        issuer_key=ca.root_key,
        issuer_cert=ca.root,
        public_key=impostor_key.public_key(),
        common_name="某市社会保障卡发卡CA",
        organization=ORG,
        serial=3,
        not_before=START,
        not_after=NOW + timedelta(days=30),
    )
    raises("cert_issuer_mismatch", pki.verify_issued_by, der, impostor)
    # without key identifiers to compare, a certificate signed by another key than the named
    # issuer's fails on the signature
    forged_issuer = craft(
        issuer=subject_of(ca.root),
        issuer_key=ca.root_key,
        subject_cn="x",
        spki=impostor_key.public_key().to_der(),
        ca_flag=True,
    )
    no_aki = craft(
        issuer=subject_of(forged_issuer),
        issuer_key=ca.issuing_key,
        subject_cn="card",
        spki=gm.sm2_generate_keypair()[1],
        ca_flag=False,
    )
    raises("cert_signature_invalid", pki.verify_issued_by, no_aki, forged_issuer)


def test_a_non_ca_issuer_is_refused(ca: Pki) -> None:
    # given a card certificate and the card's key
    card_der, scalar, _ = card(ca)
    card_key = Sm2PrivateKey.from_scalar(scalar)
    # when the card's key signs another certificate in the card's name
    forged = craft(
        issuer=subject_of(card_der),
        issuer_key=card_key,
        subject_cn="forged",
        spki=gm.sm2_generate_keypair()[1],
        ca_flag=False,
    )
    # then it is refused: a card is no CA
    raises("cert_not_ca", pki.verify_issued_by, forged, card_der)
    raises("cert_not_ca", pki.verify_chain, forged, [card_der, ca.issuing, ca.root], at=NOW)
    # and sscard refuses to issue with a card as the issuer
    raises("cert_not_ca", CardCertificateIssuer, card_key, card_der, ORG)
    # and a certificate without basicConstraints is no CA either
    bare = craft(
        issuer=subject_of(ca.issuing),
        issuer_key=ca.issuing_key,
        subject_cn="bare",
        spki=card_key.public_key().to_der(),
        ca_flag=None,
    )
    below = craft(
        issuer=subject_of(bare),
        issuer_key=card_key,
        subject_cn="below",
        spki=gm.sm2_generate_keypair()[1],
        ca_flag=False,
    )
    raises("cert_not_ca", pki.verify_issued_by, below, bare)


def test_path_length_is_enforced(ca: Pki) -> None:
    # given a sub-CA crafted under the issuing CA (path length 0), and a card under it
    sub_key = Sm2PrivateKey.generate()
    sub = craft(
        issuer=subject_of(ca.issuing),
        issuer_key=ca.issuing_key,
        subject_cn="sub CA",
        spki=sub_key.public_key().to_der(),
        ca_flag=True,
    )
    leaf = craft(
        issuer=subject_of(sub),
        issuer_key=sub_key,
        subject_cn="leaf",
        spki=gm.sm2_generate_keypair()[1],
        ca_flag=False,
    )
    pki.verify_issued_by(leaf, sub)  # each link alone is fine
    pki.verify_issued_by(sub, ca.issuing)
    # then the chain is refused
    error = raises("cert_not_ca", pki.verify_chain, leaf, [sub, ca.issuing, ca.root], at=NOW)
    assert error.details["reason"] == "path length exceeded"
    # and sscard refuses to issue a sub-CA under a CA with path length 0
    raises(
        "cert_not_ca",
        pki.issue_intermediate_ca,
        issuer_key=ca.issuing_key,
        issuer_cert=ca.issuing,
        public_key=sub_key.public_key(),
        common_name="sub",
        organization=ORG,
        serial=9,
        not_before=START,
        not_after=NOW + timedelta(days=1),
    )
    # while a CA with path length 1 may have one below it
    mid_key = Sm2PrivateKey.generate()
    mid = pki.issue_intermediate_ca(
        issuer_key=ca.root_key,
        issuer_cert=ca.root,
        public_key=mid_key.public_key(),
        common_name="mid",
        organization=ORG,
        serial=10,
        not_before=START,
        not_after=NOW + timedelta(days=10),
        path_length=1,
    )
    low_key = Sm2PrivateKey.generate()
    low = pki.issue_intermediate_ca(
        issuer_key=mid_key,
        issuer_cert=mid,
        public_key=low_key.public_key(),
        common_name="low",
        organization=ORG,
        serial=11,
        not_before=START,
        not_after=NOW + timedelta(days=10),
    )
    der = CardCertificateIssuer(low_key, low, ORG).issue(
        serial=1,
        card_id_code=code(1),
        public_key_der=gm.sm2_generate_keypair()[1],
        not_before=START,
        not_after=NOW + timedelta(days=5),
    )
    assert pki.verify_chain(der, [low, mid, ca.root], at=NOW).subject_common_name == code(1)


def test_validity_periods_are_checked_at_the_given_time(ca: Pki) -> None:
    der, _, _ = card(ca, not_before=NOW + timedelta(days=2), not_after=NOW + timedelta(days=400))
    chain = [ca.issuing, ca.root]
    raises("cert_not_yet_valid", pki.verify_chain, der, chain, at=NOW)
    pki.verify_chain(der, chain, at=NOW + timedelta(days=2))  # the first second is inside
    pki.verify_chain(der, chain, at=NOW + timedelta(days=400))  # and so is the last
    raises("cert_expired", pki.verify_chain, der, chain, at=NOW + timedelta(days=400, seconds=1))
    # an issuing CA that expires before the card does
    short_key = Sm2PrivateKey.generate()
    short = pki.issue_intermediate_ca(
        issuer_key=ca.root_key,
        issuer_cert=ca.root,
        public_key=short_key.public_key(),
        common_name="短期CA",
        organization=ORG,
        serial=12,
        not_before=START,
        not_after=NOW + timedelta(days=100),
    )
    long_card = CardCertificateIssuer(short_key, short, ORG).issue(
        serial=2,
        card_id_code=code(2),
        public_key_der=gm.sm2_generate_keypair()[1],
        not_before=START,
        not_after=NOW + timedelta(days=1000),
    )
    pki.verify_chain(long_card, [short, ca.root], at=NOW)
    error = raises(
        "cert_expired", pki.verify_chain, long_card, [short, ca.root], at=NOW + timedelta(days=101)
    )
    assert error.details["depth"] == 1
    # the moment must be aware
    raises("cert_request_invalid", pki.verify_chain, der, chain, at=datetime(2030, 1, 1))


def test_garbage_is_malformed(ca: Pki) -> None:
    der, _, _ = card(ca)
    for junk in (
        b"",
        b"garbage",
        b"\x30\x00",
        der[:-1],
        der + b"\x00",
        der[:100],
        pki.parse_certificate(der).tbs,  # a TBS is no certificate
        "not bytes",
    ):
        raises("cert_malformed", pki.parse_certificate, junk)
        raises("cert_malformed", pki.verify_issued_by, junk, ca.issuing)
        raises("cert_malformed", pki.verify_chain, der, [junk, ca.root], at=NOW)


# -- issuing refuses bad requests ------------------------------------------------------------


def test_issue_refuses_bad_arguments(ca: Pki) -> None:
    later = NOW + timedelta(days=1)
    for overrides in (
        {"serial": 0},
        {"serial": -1},
        {"serial": 2**159},
        {"serial": True},
        {"not_before": datetime(2030, 1, 1)},  # naive
        {"not_after": START},  # not after the start
        {"public_key_der": b"\x30\x00"},
        {"public_key_der": Sm2PrivateKey.generate().public_key().to_der()[:-1]},
    ):
        with pytest.raises(PkiError) as caught:
            card(ca, **overrides)
        assert caught.value.code == "cert_request_invalid", overrides
    # a point off the curve
    spki = gm.sm2_generate_keypair()[1]
    off_curve = spki[:-1] + bytes([spki[-1] ^ 1])
    raises("cert_request_invalid", card, ca, public_key_der=off_curve)
    # a card identification code of the wrong shape
    for bad_code in ("", code(1)[:-1], code(1).lower(), "张三" * 16):
        with pytest.raises(CardCodeError):
            card(ca, card_id_code=bad_code)
    # an issuer key that is not the certificate's
    stranger = Sm2PrivateKey.generate()
    raises("cert_issuer_mismatch", CardCertificateIssuer, stranger, ca.issuing, ORG)
    raises(
        "cert_issuer_mismatch",
        pki.issue_intermediate_ca,
        issuer_key=stranger,
        issuer_cert=ca.root,
        public_key=stranger.public_key(),
        common_name="x",
        organization=ORG,
        serial=5,
        not_before=NOW,
        not_after=later,
    )
    # names
    for name in ("", "   ", "x" * 65):
        raises(
            "cert_request_invalid",
            pki.issue_root_ca,
            key=stranger,
            common_name=name,
            organization=ORG,
            serial=1,
            not_before=NOW,
            not_after=later,
        )
    raises("cert_request_invalid", CardCertificateIssuer, ca.issuing_key, ca.issuing, "")


# -- PEM -------------------------------------------------------------------------------------


def test_pem_round_trip_and_refusals(ca: Pki) -> None:
    text = pki.to_pem(ca.root)
    assert text.startswith("-----BEGIN CERTIFICATE-----\n")
    assert all(len(line) <= 64 for line in text.splitlines())
    assert pki.from_pem(text) == ca.root
    assert pki.from_pem("\n" + text + "\n") == ca.root
    assert pki.from_pem(pki.to_pem(b"\x01\x02", "X"), "X") == b"\x01\x02"
    for bad in ("", "garbage", text.replace("CERTIFICATE", "PUBLIC KEY"), "证书"):
        raises("cert_malformed", pki.from_pem, bad)
