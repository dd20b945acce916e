"""National crypto: standard vectors, and interoperability with the machine's OpenSSL CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sscard.kernel import gm
from sscard.kernel.gm import (
    DEFAULT_USER_ID,
    SM2P256V1,
    FieldCipher,
    GmError,
    Sm2Curve,
    Sm2PrivateKey,
    Sm2PublicKey,
)

OPENSSL = shutil.which("openssl")


def openssl(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run the openssl CLI; the interop tests FAIL (not skip) if it is missing."""
    if OPENSSL is None:
        pytest.fail("the openssl command line is required for the interoperability tests")
    return subprocess.run(
        [OPENSSL, *args], input=stdin, capture_output=True, check=False, timeout=60
    )


def flip(blob: bytes, i: int) -> bytes:
    """``blob`` with one bit of byte ``i`` inverted."""
    return blob[:i] + bytes([blob[i] ^ 0x01]) + blob[i + 1 :]


def openssl_ok(*args: str, stdin: bytes | None = None) -> bytes:
    done = openssl(*args, stdin=stdin)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


# -- SM3 / HMAC-SM3 --------------------------------------------------------------------------


def test_sm3_standard_vectors(gm_vectors: dict[str, Any]) -> None:
    assert gm_vectors["sm3"], "no SM3 vectors"
    for case in gm_vectors["sm3"]:
        assert gm.sm3(case["message_ascii"].encode()).hex() == case["digest_hex"].lower()


@pytest.mark.parametrize("key_size", [1, 16, 32, 64, 65, 100])
def test_hmac_sm3_matches_openssl(tmp_path: Path, key_size: int) -> None:
    # given a random key (including one longer than the SM3 block) and a message
    key = os.urandom(key_size)
    message = os.urandom(300)
    (tmp_path / "m.bin").write_bytes(message)
    # when OpenSSL computes HMAC-SM3
    out = openssl_ok(
        "mac",
        "-digest",
        "SM3",
        "-macopt",
        f"hexkey:{key.hex()}",
        "-in",
        str(tmp_path / "m.bin"),
        "HMAC",
    )
    # then sscard agrees
    assert gm.hmac_sm3(key, message).hex() == out.decode().strip().lower()


def test_hmac_sm3_matches_openssl_dgst(tmp_path: Path) -> None:
    (tmp_path / "m.bin").write_bytes(b"social security card")
    out = openssl_ok("dgst", "-sm3", "-hmac", "sscard-key", "-r", str(tmp_path / "m.bin"))
    assert gm.hmac_sm3(b"sscard-key", b"social security card").hex() == out.split()[0].decode()


# -- SM4 -------------------------------------------------------------------------------------


def test_sm4_standard_vectors_including_one_million_rounds(gm_vectors: dict[str, Any]) -> None:
    assert gm_vectors["sm4"], "no SM4 vectors"
    for case in gm_vectors["sm4"]:
        key = bytes.fromhex(case["key_hex"])
        block = bytes.fromhex(case["plaintext_hex"])
        out = gm.sm4_ecb_encrypt_block(key, block, rounds=case["rounds"])
        assert out.hex() == case["ciphertext_hex"].lower()
        if case["rounds"] == 1:
            assert gm.sm4_ecb_decrypt_block(key, out) == block


def test_sm4_ecb_matches_openssl() -> None:
    key, block = os.urandom(16), os.urandom(16)
    out = openssl_ok("enc", "-sm4-ecb", "-K", key.hex(), "-nopad", stdin=block)
    assert gm.sm4_ecb_encrypt_block(key, block) == out


def test_sm4_rejects_bad_keys_and_blocks() -> None:
    for bad in (b"", b"x" * 15, b"x" * 32):
        with pytest.raises(GmError) as caught:
            gm.sm4_ecb_encrypt_block(bad, b"\0" * 16)
        assert caught.value.code == "sm4_key_invalid"
    with pytest.raises(GmError) as caught:
        gm.sm4_ecb_encrypt_block(b"k" * 16, b"\0" * 15)
    assert caught.value.code == "sm4_block_invalid"


def test_sm4_gcm_rfc_8998_vector() -> None:
    # RFC 8998 appendix A.1 (SM4-GCM), given as nonce || ciphertext || tag
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    nonce = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plaintext = bytes.fromhex(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
        "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
    )
    ciphertext = bytes.fromhex(
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
    )
    tag = bytes.fromhex("83DE3541E4C2B58177E065A9BF7B62EC")
    assert gm.sm4_gcm_decrypt(key, nonce + ciphertext + tag, aad) == plaintext


@given(plaintext=st.binary(max_size=200), aad=st.binary(max_size=40))
@settings(max_examples=50)
def test_sm4_gcm_round_trip(plaintext: bytes, aad: bytes) -> None:
    key = os.urandom(16)
    blob = gm.sm4_gcm_encrypt(key, plaintext, aad)
    assert len(blob) == 12 + len(plaintext) + 16
    assert gm.sm4_gcm_decrypt(key, blob, aad) == plaintext


def test_sm4_gcm_detects_every_kind_of_tampering() -> None:
    # given a blob
    key = os.urandom(16)
    blob = gm.sm4_gcm_encrypt(key, b"110105194912310021", b"person:42")
    tampered = [flip(blob, i) for i in range(len(blob))]
    # when any byte is flipped, the aad or key changes, or the blob is cut
    attempts: list[tuple[bytes, bytes, bytes]] = [(key, t, b"person:42") for t in tampered]
    attempts += [
        (key, blob, b"person:43"),
        (key, blob, b""),
        (os.urandom(16), blob, b"person:42"),
        (key, blob[:27], b"person:42"),
        (key, blob[:-1], b"person:42"),
    ]
    # then every attempt fails with the same code
    for k, b, aad in attempts:
        with pytest.raises(GmError) as caught:
            gm.sm4_gcm_decrypt(k, b, aad)
        assert caught.value.code == "sm4_auth_failed"


def test_sm4_gcm_nonces_are_fresh() -> None:
    key = os.urandom(16)
    assert gm.sm4_gcm_encrypt(key, b"same") != gm.sm4_gcm_encrypt(key, b"same")


# -- FieldCipher -----------------------------------------------------------------------------

KEYS = (os.urandom(16), os.urandom(32), os.urandom(32))


def cipher() -> FieldCipher:
    return FieldCipher(*KEYS)


@given(value=st.text(max_size=80), field=st.text(min_size=1, max_size=30))
def test_field_cipher_round_trip(value: str, field: str) -> None:
    fc = cipher()
    blob = fc.encrypt(value, field=field)
    assert blob[0] == 1
    assert len(blob) == 1 + 12 + len(value.encode()) + 16
    assert fc.decrypt(blob, field=field) == value


@given(values=st.lists(st.text(max_size=40), max_size=50))
def test_encrypt_many_is_encrypt_of_each(values: list[str]) -> None:
    fc = cipher()
    blobs = fc.encrypt_many(values, field="phone")
    assert [fc.decrypt(b, field="phone") for b in blobs] == values
    assert fc.decrypt_many(blobs, field="phone") == values
    assert [fc.index(v, field="phone") for v in values] == fc.index_many(values, field="phone")


def test_field_blob_is_standard_sm4_ctr_plus_hmac_sm3() -> None:
    # given a value encrypted by sscard
    enc_key, mac_key, _ = KEYS
    value = "11010519491231002X"
    blob = cipher().encrypt(value, field="id_number")
    nonce, ciphertext, tag = blob[1:13], blob[13:-16], blob[-16:]
    # when OpenSSL decrypts the body as SM4-CTR with IV = nonce || 00000000
    plain = openssl_ok(
        "enc",
        "-d",
        "-sm4-ctr",
        "-K",
        enc_key.hex(),
        "-iv",
        (nonce + bytes(4)).hex(),
        stdin=ciphertext,
    )
    # then it is the value, and the tag is HMAC-SM3 over version||len||field||nonce||ciphertext
    assert plain.decode() == value
    field = b"id_number"
    expected = gm.hmac_sm3(mac_key, b"\x01" + bytes([len(field)]) + field + nonce + ciphertext)
    assert tag == expected[:16]


def test_a_value_longer_than_many_blocks_round_trips_through_openssl() -> None:
    enc_key = KEYS[0]
    value = "地址" * 200  # 1,200 bytes: 75 counter blocks
    blob = cipher().encrypt(value, field="address")
    plain = openssl_ok(
        "enc",
        "-d",
        "-sm4-ctr",
        "-K",
        enc_key.hex(),
        "-iv",
        (blob[1:13] + bytes(4)).hex(),
        stdin=blob[13:-16],
    )
    assert plain.decode() == value
    assert cipher().decrypt(blob, field="address") == value


def test_field_cipher_refuses_tampering_wrong_field_and_wrong_key() -> None:
    # given a blob of the id_number field
    fc = cipher()
    blob = fc.encrypt("11010519491231002X", field="id_number")
    bad: list[tuple[FieldCipher, bytes, str]] = [
        (fc, flip(blob, i), "id_number") for i in range(len(blob))
    ]
    bad += [
        (fc, blob, "phone"),  # pasted into another column
        (fc, blob[:-1], "id_number"),
        (fc, blob[:28], "id_number"),
        (fc, b"", "id_number"),
        (fc, b"\x02" + blob[1:], "id_number"),
        (FieldCipher(KEYS[0], os.urandom(32), KEYS[2]), blob, "id_number"),  # another MAC key
    ]
    for who, b, field in bad:
        with pytest.raises(GmError) as caught:
            who.decrypt(b, field=field)
        assert caught.value.code == "field_auth_failed"


def test_same_value_encrypts_differently_but_indexes_identically() -> None:
    fc = cipher()
    assert fc.encrypt("13800138000", field="phone") != fc.encrypt("13800138000", field="phone")
    assert fc.index("13800138000", field="phone") == fc.index("13800138000", field="phone")
    assert len(fc.index("13800138000", field="phone")) == 16


def test_index_is_keyed_and_separated_by_field() -> None:
    fc = cipher()
    other = FieldCipher(KEYS[0], KEYS[1], os.urandom(32))
    assert fc.index("13800138000", field="phone") != fc.index("13800138000", field="mobile")
    assert fc.index("13800138000", field="phone") != other.index("13800138000", field="phone")
    field = b"phone"
    expected = gm.hmac_sm3(KEYS[2], bytes([len(field)]) + field + b"13800138000")[:16]
    assert fc.index("13800138000", field="phone") == expected


def test_from_master_derives_distinct_stable_keys() -> None:
    master = os.urandom(32)
    a, b = FieldCipher.from_master(master), FieldCipher.from_master(master)
    assert a.decrypt(b.encrypt("x", field="f"), field="f") == "x"
    assert a.index("x", field="f") == b.index("x", field="f")
    assert FieldCipher.from_master(os.urandom(32)).index("x", field="f") != a.index("x", field="f")
    with pytest.raises(GmError) as caught:
        FieldCipher.from_master(b"short")
    assert caught.value.code == "field_key_invalid"


def test_field_cipher_argument_errors() -> None:
    with pytest.raises(GmError) as caught:
        FieldCipher(b"k" * 15, b"m" * 32, b"i" * 32)
    assert caught.value.code == "field_key_invalid"
    for field in ("", "x" * 256):
        with pytest.raises(GmError) as caught:
            cipher().encrypt("v", field=field)
        assert caught.value.code == "field_name_invalid"
    with pytest.raises(GmError) as caught:
        cipher().encrypt_many([b"bytes"], field="f")  # type: ignore[list-item]
    assert caught.value.code == "field_value_invalid"
    assert "keys hidden" in repr(cipher())


def test_field_cipher_bulk_round_trip_over_many_batches() -> None:
    # given 20,000 ID-number-like values: more than two keystream batches of 8,192
    # (speed is measured in benchmarks/, never asserted here)
    values = [f"{110105194900000000 + i:018d}" for i in range(20_000)]
    fc = cipher()
    blobs = fc.encrypt_many(values, field="id_number")
    indexes = fc.index_many(values, field="id_number")
    assert fc.decrypt_many(blobs, field="id_number") == values
    assert len(set(blobs)) == len(values)
    assert len(set(indexes)) == len(values)
    assert [fc.index(v, field="id_number") for v in values[:100]] == indexes[:100]


# -- SM2: the standard's example on its test curve -------------------------------------------


def test_sm2_signature_example_on_the_test_curve(gm_vectors: dict[str, Any]) -> None:
    # given the example of GB/T 32918.2 on its test curve
    v = gm_vectors["sm2_sign_test_curve"]
    curve = Sm2Curve.from_hex(p=v["p"], a=v["a"], b=v["b"], n=v["n"], gx=v["gx"], gy=v["gy"])
    d = int(v["private_key"], 16)
    user_id = v["user_id_ascii"].encode()
    message = v["message_ascii"].encode()
    # when the public point, ZA and e are computed
    point = gm.sm2_public_point(curve, d)
    za = gm.sm2_za(user_id, curve.a, curve.b, curve.gx, curve.gy, *point)
    e = gm.sm3(za + message)
    # then they start as the standard prints them
    assert za.hex().upper().startswith(v["za_prefix"].upper())
    assert e.hex().upper().startswith(v["e_prefix"].upper())
    # and signing with the standard's k reproduces (r, s), which verifies
    r, s = gm.sm2_sign_with_k(curve, d, user_id, message, int(v["k"], 16))
    assert (r, s) == (int(v["r"], 16), int(v["s"], 16))
    assert gm.sm2_verify_on_curve(curve, point, user_id, message, r, s)
    # and any change is rejected
    assert not gm.sm2_verify_on_curve(curve, point, user_id, message + b"!", r, s)
    assert not gm.sm2_verify_on_curve(curve, point, b"BOB", message, r, s)
    assert not gm.sm2_verify_on_curve(curve, point, user_id, message, r, (s + 1) % curve.n)


def test_the_default_user_id_is_the_standard_one(gm_vectors: dict[str, Any]) -> None:
    assert gm_vectors["sm2_default_user_id_ascii"].encode() == DEFAULT_USER_ID


# -- SM2 through libcrypto, checked against the openssl CLI ---------------------------------

MESSAGE = b"card 1234567890 issued to 110105********002X"


@pytest.fixture
def openssl_key(tmp_path: Path) -> Path:
    """An SM2 key made by ``openssl genpkey``, with its public half in pub.pem."""
    key = tmp_path / "k.pem"
    openssl_ok("genpkey", "-algorithm", "SM2", "-out", str(key))
    openssl_ok("pkey", "-in", str(key), "-pubout", "-out", str(tmp_path / "pub.pem"))
    return key


def test_sscard_signature_verifies_in_openssl(tmp_path: Path) -> None:
    # given a key generated by sscard, its public key written as PEM, and a signature
    key = Sm2PrivateKey.generate()
    (tmp_path / "pub.pem").write_bytes(key.public_key().to_pem())
    (tmp_path / "m.bin").write_bytes(MESSAGE)
    (tmp_path / "m.sig").write_bytes(key.sign(MESSAGE))
    verify = (
        "dgst",
        "-sm3",
        "-verify",
        str(tmp_path / "pub.pem"),
        "-signature",
        str(tmp_path / "m.sig"),
        str(tmp_path / "m.bin"),
    )
    # when openssl verifies with the standard user id, then it accepts
    assert b"Verified OK" in openssl_ok(
        *verify[:4], "-sigopt", "distid:1234567812345678", *verify[4:]
    )
    # and with another id (OpenSSL 3.0's default is the empty id) it refuses: ZA is in play
    assert openssl(*verify[:4], "-sigopt", "distid:ALICE", *verify[4:]).returncode != 0
    assert openssl(*verify).returncode != 0


def test_openssl_signature_verifies_in_sscard(tmp_path: Path, openssl_key: Path) -> None:
    # given a signature made by openssl with the standard user id
    (tmp_path / "m.bin").write_bytes(MESSAGE)
    openssl_ok(
        "dgst",
        "-sm3",
        "-sign",
        str(openssl_key),
        "-sigopt",
        "distid:1234567812345678",
        "-out",
        str(tmp_path / "m.sig"),
        str(tmp_path / "m.bin"),
    )
    signature = (tmp_path / "m.sig").read_bytes()
    public = Sm2PublicKey.from_pem((tmp_path / "pub.pem").read_bytes())
    # then sscard accepts it, and refuses a changed message or another user id
    assert public.verify(signature, MESSAGE)
    assert not public.verify(signature, MESSAGE + b".")
    assert not public.verify(signature, MESSAGE, user_id=b"1234567812345679")
    assert not public.verify(signature[:-1], MESSAGE)
    assert not public.verify(b"", MESSAGE)
    # and the pure-Python verifier agrees, on the recommended curve
    r, s = gm.signature_to_rs(signature)
    assert gm.sm2_verify_on_curve(SM2P256V1, public.point(), DEFAULT_USER_ID, MESSAGE, r, s)


def test_openssl_keys_load_in_sscard_and_back(tmp_path: Path, openssl_key: Path) -> None:
    # given a key from openssl genpkey
    key = Sm2PrivateKey.from_pem(openssl_key.read_bytes())
    # then sscard derives the same public key openssl does
    openssl_public_der = openssl_ok("pkey", "-in", str(openssl_key), "-pubout", "-outform", "DER")
    assert key.public_key().to_der() == openssl_public_der
    assert key.public_key() == Sm2PublicKey.from_pem((tmp_path / "pub.pem").read_bytes())
    # and sscard's PKCS#8 output is read by openssl as the same key
    (tmp_path / "again.pem").write_bytes(key.to_pem())
    assert key.to_pem().startswith(b"-----BEGIN PRIVATE KEY-----")
    again_der = openssl_ok("pkey", "-in", str(tmp_path / "again.pem"), "-pubout", "-outform", "DER")
    assert again_der == openssl_public_der
    assert Sm2PrivateKey.from_der(key.to_der()).public_key() == key.public_key()


def test_sscard_generated_key_is_an_sm2_key_for_openssl(tmp_path: Path) -> None:
    (tmp_path / "k.pem").write_bytes(Sm2PrivateKey.generate().to_pem())
    text = openssl_ok("pkey", "-in", str(tmp_path / "k.pem"), "-noout", "-text").decode()
    assert "SM2" in text


def test_public_key_from_der_and_point() -> None:
    public = Sm2PrivateKey.generate().public_key()
    x, y = public.point()
    assert Sm2PublicKey.from_point(x, y) == public
    assert Sm2PublicKey.from_der(public.to_der()) == public
    with pytest.raises(GmError) as caught:
        Sm2PublicKey.from_point(x, (y + 1) % SM2P256V1.p)  # not on the curve
    assert caught.value.code == "sm2_key_invalid"


def test_non_sm2_and_encrypted_keys_are_refused(tmp_path: Path) -> None:
    openssl_ok(
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        str(tmp_path / "p256.pem"),
    )
    openssl_ok(
        "genpkey",
        "-algorithm",
        "SM2",
        "-aes-128-cbc",
        "-pass",
        "pass:secret",
        "-out",
        str(tmp_path / "enc.pem"),
    )
    for name in ("p256.pem", "enc.pem"):
        with pytest.raises(GmError) as caught:
            Sm2PrivateKey.from_pem((tmp_path / name).read_bytes())
        assert caught.value.code == "sm2_key_invalid"
    for junk in (b"", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"):
        with pytest.raises(GmError):
            Sm2PublicKey.from_pem(junk)
    with pytest.raises(GmError):
        Sm2PublicKey.from_der(b"\x30\x00")


def test_user_id_is_bound_into_the_signature() -> None:
    key = Sm2PrivateKey.generate()
    signature = key.sign(MESSAGE, user_id=b"ALICE123@YAHOO.COM")
    assert key.public_key().verify(signature, MESSAGE, user_id=b"ALICE123@YAHOO.COM")
    assert not key.public_key().verify(signature, MESSAGE)
    with pytest.raises(GmError) as caught:
        key.sign(MESSAGE, user_id=b"x" * 8192)
    assert caught.value.code == "sm2_user_id_invalid"


def test_der_signature_helpers_round_trip() -> None:
    signature = Sm2PrivateKey.generate().sign(MESSAGE)
    r, s = gm.signature_to_rs(signature)
    assert gm.signature_from_rs(r, s) == signature
    for bad in (b"", b"\x30\x02\x02\x00", signature + b"\x00", b"\x31" + signature[1:]):
        with pytest.raises(GmError):
            gm.signature_to_rs(bad)


def rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    pytest.fail("no VmRSS in /proc/self/status")


def test_signing_10000_times_does_not_leak() -> None:
    # given a key, warmed up
    key = Sm2PrivateKey.generate()
    public = key.public_key()
    for _ in range(500):
        public.verify(key.sign(MESSAGE), MESSAGE)
    before = rss_kib()
    # when it signs 10,000 times (and keys come and go)
    for i in range(10_000):
        key.sign(MESSAGE)
        if i % 100 == 0:
            assert Sm2PrivateKey.from_der(key.to_der()).public_key() == public
    # then resident memory has not grown by 2 MiB (skipping the two context frees alone adds
    # about 5 MiB over 10,000 signatures)
    assert rss_kib() - before < 2048


def test_keys_are_shared_safely_between_threads() -> None:
    key = Sm2PrivateKey.generate()
    public = key.public_key()
    fc = cipher()
    failures: list[str] = []

    def work(n: int) -> None:
        for i in range(100):
            message = f"{n}:{i}".encode()
            if not public.verify(key.sign(message), message):
                failures.append(f"sm2 {n}:{i}")
            if fc.decrypt(fc.encrypt(message.decode(), field="f"), field="f") != message.decode():
                failures.append(f"field {n}:{i}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


# -- SM2 key material: the private scalar, and bulk key generation ---------------------------


def openssl_private_scalar(key_pem: Path) -> bytes:
    """The ``priv:`` block of ``openssl pkey -text``, as 32 bytes."""
    text = openssl_ok("pkey", "-in", str(key_pem), "-noout", "-text").decode()
    block = text.split("priv:")[1].split("pub:")[0]
    return int("".join(block.split()).replace(":", ""), 16).to_bytes(32, "big")


def test_scalar_is_the_one_openssl_sees(tmp_path: Path, openssl_key: Path) -> None:
    key = Sm2PrivateKey.from_pem(openssl_key.read_bytes())
    assert key.scalar() == openssl_private_scalar(openssl_key)
    (tmp_path / "mine.pem").write_bytes(Sm2PrivateKey.generate().to_pem())
    mine = Sm2PrivateKey.from_pem((tmp_path / "mine.pem").read_bytes())
    assert mine.scalar() == openssl_private_scalar(tmp_path / "mine.pem")


def test_from_scalar_rebuilds_the_same_key(openssl_key: Path) -> None:
    # given a key made by openssl
    key = Sm2PrivateKey.from_pem(openssl_key.read_bytes())
    # when it is rebuilt from its scalar alone
    again = Sm2PrivateKey.from_scalar(key.scalar())
    # then it has the same public key, scalar and complete PKCS#8 encoding (public point
    # included), and each verifies the other's signatures
    assert again.public_key() == key.public_key()
    assert again.scalar() == key.scalar()
    assert again.to_der() == key.to_der()
    assert key.public_key().verify(again.sign(MESSAGE), MESSAGE)
    assert again.public_key().verify(key.sign(MESSAGE), MESSAGE)


def test_from_scalar_signatures_verify_in_openssl(tmp_path: Path) -> None:
    # given a key rebuilt from a scalar, its public key as PEM, and a signature
    scalar, _ = gm.sm2_generate_keypair()
    key = Sm2PrivateKey.from_scalar(scalar)
    (tmp_path / "pub.pem").write_bytes(key.public_key().to_pem())
    (tmp_path / "m.bin").write_bytes(MESSAGE)
    (tmp_path / "m.sig").write_bytes(key.sign(MESSAGE))
    verify = ["dgst", "-sm3", "-verify", str(tmp_path / "pub.pem")]
    files = ["-signature", str(tmp_path / "m.sig"), str(tmp_path / "m.bin")]
    # then openssl accepts it with the standard user id, and not with the empty one
    assert b"Verified OK" in openssl_ok(*verify, "-sigopt", "distid:1234567812345678", *files)
    assert openssl(*verify, *files).returncode != 0
    # and openssl reads the key's PKCS#8 as the same scalar
    (tmp_path / "k.pem").write_bytes(key.to_pem())
    assert openssl_private_scalar(tmp_path / "k.pem") == scalar


def test_from_scalar_refuses_bad_scalars() -> None:
    n = SM2P256V1.n
    bad: list[Any] = [
        bytes(32),  # 0
        (n - 1).to_bytes(32, "big"),  # 1+d is not invertible modulo n
        n.to_bytes(32, "big"),
        (n + 1).to_bytes(32, "big"),
        b"\xff" * 32,
        b"\x01" * 31,
        b"\x01" * 33,
        b"",
        "01" * 16,
        1,
    ]
    for scalar in bad:
        with pytest.raises(GmError) as caught:
            Sm2PrivateKey.from_scalar(scalar)
        assert caught.value.code == "sm2_key_invalid", scalar
    # the extremes of the valid range are accepted
    for d in (1, n - 2):
        key = Sm2PrivateKey.from_scalar(d.to_bytes(32, "big"))
        assert key.public_key().verify(key.sign(MESSAGE), MESSAGE)
    assert Sm2PrivateKey.from_scalar((1).to_bytes(32, "big")).public_key().point() == (
        SM2P256V1.gx,
        SM2P256V1.gy,
    )


def test_generate_keypair_gives_matching_scalar_and_spki(tmp_path: Path) -> None:
    # given a key pair from the bulk generator
    scalar, spki = gm.sm2_generate_keypair()
    # then the SPKI is canonical, and it is the public key of the scalar
    assert len(scalar) == 32
    assert len(spki) == 91
    public = Sm2PublicKey.from_der(spki)
    assert public.to_der() == spki
    assert Sm2PrivateKey.from_scalar(scalar).public_key() == public
    # and the pure-Python d*G agrees (so the scalar's byte order is right)
    assert gm.sm2_public_point(SM2P256V1, int.from_bytes(scalar, "big")) == public.point()
    # and openssl reads the SPKI as an SM2 key
    (tmp_path / "pub.der").write_bytes(spki)
    text = openssl_ok("pkey", "-pubin", "-inform", "DER", "-in", str(tmp_path / "pub.der"), "-text")
    assert b"ASN1 OID: SM2" in text


def test_generate_keypair_gives_distinct_keys_also_in_threads() -> None:
    pairs = [gm.sm2_generate_keypair() for _ in range(100)]
    assert len({scalar for scalar, _ in pairs}) == 100
    assert len({spki for _, spki in pairs}) == 100
    failures: list[str] = []
    found: list[tuple[bytes, bytes]] = []

    def work() -> None:
        try:
            for _ in range(25):
                scalar, spki = gm.sm2_generate_keypair()
                if Sm2PrivateKey.from_scalar(scalar).public_key().to_der() != spki:
                    failures.append(spki.hex())
                found.append((scalar, spki))
        except Exception as exc:  # a thread's exception would otherwise be lost
            failures.append(repr(exc))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(set(found) | set(pairs)) == 200


# -- SM4-GCM files -------------------------------------------------------------------------


FILE_KEY = os.urandom(16)


def leftovers(directory: Path, *expected: str) -> list[str]:
    """Files in ``directory`` other than ``expected`` (e.g. a temporary file left behind)."""
    return sorted(p.name for p in directory.iterdir() if p.name not in expected)


@pytest.mark.parametrize("size", [0, 1, 15, 16, 1 << 20, 3 * (1 << 20) + 17])
def test_gcm_file_round_trip(tmp_path: Path, size: int) -> None:
    # given a file of `size` bytes (up to a few MB, spanning several 1 MiB chunks)
    data = os.urandom(size)
    (tmp_path / "plain").write_bytes(data)
    # when it is encrypted and decrypted as files
    gm.sm4_gcm_encrypt_file(FILE_KEY, tmp_path / "plain", tmp_path / "sealed", aad=b"batch 7")
    gm.sm4_gcm_decrypt_file(FILE_KEY, tmp_path / "sealed", tmp_path / "opened", aad=b"batch 7")
    # then the content comes back, and the sealed file is in the in-memory format
    sealed = (tmp_path / "sealed").read_bytes()
    assert len(sealed) == 12 + size + 16
    assert (tmp_path / "opened").read_bytes() == data
    assert gm.sm4_gcm_decrypt(FILE_KEY, sealed, b"batch 7") == data
    assert leftovers(tmp_path, "plain", "sealed", "opened") == []


def test_gcm_file_and_memory_formats_are_one(tmp_path: Path) -> None:
    data = b"card factory record\n" * 1000
    # a blob made in memory opens as a file
    (tmp_path / "blob").write_bytes(gm.sm4_gcm_encrypt(FILE_KEY, data, b"aad"))
    gm.sm4_gcm_decrypt_file(FILE_KEY, tmp_path / "blob", tmp_path / "out", aad=b"aad")
    assert (tmp_path / "out").read_bytes() == data
    # and the RFC 8998 vector opens from a file
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    blob = bytes.fromhex(
        "00001234567800000000ABCD"
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        "83DE3541E4C2B58177E065A9BF7B62EC"
    )
    (tmp_path / "vector").write_bytes(blob)
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    gm.sm4_gcm_decrypt_file(key, tmp_path / "vector", tmp_path / "vector.out", aad=aad)
    assert (tmp_path / "vector.out").read_bytes() == gm.sm4_gcm_decrypt(key, blob, aad)
    # and a file made by the file function opens in memory, also without aad
    (tmp_path / "plain").write_bytes(data)
    gm.sm4_gcm_encrypt_file(FILE_KEY, tmp_path / "plain", tmp_path / "sealed")
    assert gm.sm4_gcm_decrypt(FILE_KEY, (tmp_path / "sealed").read_bytes()) == data


def test_gcm_file_tampering_leaves_nothing_behind(tmp_path: Path) -> None:
    # given a sealed file of a little over two chunks
    data = os.urandom(2 * (1 << 20) + 100)
    (tmp_path / "plain").write_bytes(data)
    gm.sm4_gcm_encrypt_file(FILE_KEY, tmp_path / "plain", tmp_path / "sealed", aad=b"a")
    sealed = (tmp_path / "sealed").read_bytes()
    size = len(sealed)
    # when one byte is flipped anywhere (nonce, first, middle and last chunk, tag), the file is
    # cut, or the key or aad is wrong
    positions = [0, 11, 12, 13, 1 << 20, (1 << 20) + 12, size - 17, size - 16, size - 1]
    attempts: list[tuple[bytes, bytes, bytes]] = [
        (FILE_KEY, flip(sealed, i), b"a") for i in positions
    ]
    attempts += [
        (FILE_KEY, sealed, b"b"),
        (FILE_KEY, sealed, b""),
        (os.urandom(16), sealed, b"a"),
        (FILE_KEY, sealed[:-1], b"a"),
        (FILE_KEY, sealed[:27], b"a"),
        (FILE_KEY, b"", b"a"),
    ]
    for key, blob, aad in attempts:
        (tmp_path / "bad").write_bytes(blob)
        with pytest.raises(GmError) as caught:
            gm.sm4_gcm_decrypt_file(key, tmp_path / "bad", tmp_path / "out", aad=aad)
        # then it fails, and neither the destination nor a temporary file exists
        assert caught.value.code == "sm4_auth_failed"
        assert not (tmp_path / "out").exists()
        assert leftovers(tmp_path, "plain", "sealed", "bad") == []


def test_gcm_file_failure_keeps_an_existing_destination(tmp_path: Path) -> None:
    (tmp_path / "plain").write_bytes(b"new content")
    gm.sm4_gcm_encrypt_file(FILE_KEY, tmp_path / "plain", tmp_path / "sealed")
    (tmp_path / "out").write_bytes(b"previous content")
    with pytest.raises(GmError):
        gm.sm4_gcm_decrypt_file(FILE_KEY, tmp_path / "sealed", tmp_path / "out", aad=b"x")
    assert (tmp_path / "out").read_bytes() == b"previous content"
    gm.sm4_gcm_decrypt_file(FILE_KEY, tmp_path / "sealed", tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == b"new content"
    with pytest.raises(GmError) as caught:
        gm.sm4_gcm_encrypt_file(b"short", tmp_path / "plain", tmp_path / "x")
    assert caught.value.code == "sm4_key_invalid"
    assert leftovers(tmp_path, "plain", "sealed", "out") == []


def test_gcm_files_stream_in_constant_memory(tmp_path: Path) -> None:
    # given a 24 MiB file
    chunk = os.urandom(1 << 20)
    with open(tmp_path / "plain", "wb") as out:
        for _ in range(24):
            out.write(chunk)
    # when it is sealed and opened while Python allocations are traced
    tracemalloc.start()
    try:
        gm.sm4_gcm_encrypt_file(FILE_KEY, tmp_path / "plain", tmp_path / "sealed")
        _, sealing_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        gm.sm4_gcm_decrypt_file(FILE_KEY, tmp_path / "sealed", tmp_path / "opened")
        _, opening_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # then neither held more than a few chunks at once
    assert sealing_peak < 6 << 20, sealing_peak
    assert opening_peak < 6 << 20, opening_peak
    assert (tmp_path / "opened").stat().st_size == 24 << 20
