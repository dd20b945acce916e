"""batch_export: the card-factory file (SM4-GCM, sealed as it is written) and its SM3 manifest
signed by the issuing CA; the stand-in factory reads it, and refuses it once touched."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from sscard.applications.services import collective_submit
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    confirm_all,
    hr,
    in_force,
    notified_collective,
)
from sscard.cards.models import Card, CardCertificate
from sscard.cards.services.authority import chain_of
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.kernel.gm import Sm2PrivateKey, sm3, sm4_gcm_decrypt_file
from sscard.kernel.pki import parse_certificate
from sscard.production.models import Batch, FactoryExport
from sscard.production.services import batch_export, batch_start, batches_form
from sscard.production.services.factory import _aad, factory_key, manifest_body
from sscard.registry.models import Person
from sscard.testing.card_factory import FactoryRefusal, factory_read
from sscard.testing.card_life import OPERATOR, factory_round_trip, id_number_of, personalise, root

pytestmark = pytest.mark.django_db


def formed(size: int) -> tuple[Batch, list[Person]]:
    in_force("beijing-2024")
    employer, staff = beijing_unit(size)
    collective = notified_collective(employer)
    confirm_all(collective, staff, BJ_PILOT_DAY)
    collective_submit(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    (batch,) = batches_form(actor=OPERATOR, today=BJ_PILOT_DAY)
    return batch, staff


def personalised(size: int) -> tuple[Batch, list[Person]]:
    batch, staff = formed(size)
    personalise(batch)
    batch.refresh_from_db()
    return batch, staff


def written() -> tuple[int, ...]:
    return (
        FactoryExport.objects.count(),
        AuditEvent.objects.count(),
        Batch.objects.exclude(status="formed").count(),
    )


def test_the_manifest_digests_and_size_are_those_of_the_files_it_describes(tmp_path: Path) -> None:
    batch, _staff = personalised(2)
    files = batch_export(actor=OPERATOR, batch_id=batch.pk, out_dir=tmp_path / "out")
    manifest = json.loads(files.manifest.read_text())
    sealed = files.data.read_bytes()
    assert manifest["sealed_sm3"] == sm3(sealed).hex()
    assert manifest["bytes"] == len(sealed)
    assert (manifest["batch"], manifest["cards"], manifest["file"]) == (
        batch.pk,
        2,
        files.data.name,
    )
    # the plain digest is that of what the file opens to with the factory key
    plain = tmp_path / "plain.jsonl"
    sm4_gcm_decrypt_file(factory_key(), files.data, plain, aad=_aad(batch.pk))
    assert manifest["plain_sm3"] == sm3(plain.read_bytes()).hex()
    # and the database keeps what it sent
    export = files.export
    assert (export.cipher_sm3, export.plain_sm3, export.bytes, export.card_count) == (
        manifest["sealed_sm3"],
        manifest["plain_sm3"],
        len(sealed),
        2,
    )
    assert export.manifest == manifest


def test_the_manifest_signature_verifies_with_the_issuing_ca_of_the_cards(tmp_path: Path) -> None:
    batch, _staff = personalised(1)
    files = batch_export(actor=OPERATOR, batch_id=batch.pk, out_dir=tmp_path)
    manifest = json.loads(files.manifest.read_text())
    authority_id = CardCertificate.objects.get(card__batch_entry__batch=batch).authority_id
    chain = chain_of(authority_id)
    assert chain is not None
    issuing = parse_certificate(chain[0])
    signature = base64.b64decode(manifest["signature"])
    assert issuing.public_key.verify(signature, manifest_body(manifest))
    assert manifest["signed_by"] == issuing.subject_common_name
    # a changed manifest no longer verifies
    manifest["cards"] = 3
    assert not issuing.public_key.verify(signature, manifest_body(manifest))


def test_the_stand_in_factory_reads_every_card_with_what_it_prints_and_loads(
    tmp_path: Path,
) -> None:
    batch, staff = personalised(2)
    files = batch_export(actor=OPERATOR, batch_id=batch.pk, out_dir=tmp_path)
    intake = factory_read(
        data=files.data, manifest=files.manifest, key=factory_key(), trusted_root=root()
    )
    assert (intake.header["batch"], intake.header["cards"]) == (batch.pk, 2)
    cards = {c.card_number: c for c in Card.objects.filter(batch_entry__batch=batch)}
    assert [line["card_number"] for line in intake.cards] == sorted(
        cards, key=lambda n: cards[n].pk
    )
    by_person = {p.pk: p for p in staff}
    for line in intake.cards:
        card = cards[line["card_number"]]
        assert line["card_id_code"] == card.card_id_code
        assert line["id_number"] == id_number_of(by_person[card.person_id])
        assert line["name"] == by_person[card.person_id].name
        assert base64.b64decode(line["certificate"]) == bytes(
            CardCertificate.objects.get(card=card).der
        )
        # the private key in the file is the one the certificate certifies
        key = Sm2PrivateKey.from_scalar(bytes.fromhex(line["private_key"]))
        cert = parse_certificate(base64.b64decode(line["certificate"]))
        assert cert.public_key.verify(key.sign(b"chip check"), b"chip check")


def test_a_flipped_byte_in_the_file_makes_the_factory_refuse_it(tmp_path: Path) -> None:
    batch, _staff = personalised(1)
    files = batch_export(actor=OPERATOR, batch_id=batch.pk, out_dir=tmp_path)
    data = bytearray(files.data.read_bytes())
    data[len(data) // 2] ^= 0x01
    files.data.write_bytes(bytes(data))
    with pytest.raises(FactoryRefusal):
        factory_read(
            data=files.data, manifest=files.manifest, key=factory_key(), trusted_root=root()
        )


def test_a_manifest_signed_by_someone_else_makes_the_factory_refuse_the_file(
    tmp_path: Path,
) -> None:
    batch, _staff = personalised(1)
    files = batch_export(actor=OPERATOR, batch_id=batch.pk, out_dir=tmp_path)
    manifest = json.loads(files.manifest.read_text())
    forger = Sm2PrivateKey.generate()
    manifest["signature"] = base64.b64encode(forger.sign(manifest_body(manifest))).decode()
    files.manifest.write_text(json.dumps(manifest))
    with pytest.raises(FactoryRefusal):
        factory_read(
            data=files.data, manifest=files.manifest, key=factory_key(), trusted_root=root()
        )


def test_only_the_sealed_file_and_its_manifest_are_left_and_no_plaintext(tmp_path: Path) -> None:
    batch, staff = personalised(2)
    out = tmp_path / "factory"
    files = batch_export(actor=OPERATOR, batch_id=batch.pk, out_dir=out)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([files.data.name, files.manifest.name])
    assert files.data.suffix == ".sm4"
    assert files.manifest.name.endswith(".manifest.json")
    assert not any(n.endswith(".part") for n in names)
    # nothing a factory prints or loads is readable in what was written
    written_bytes = b"".join(p.read_bytes() for p in out.iterdir())
    for person in staff:
        assert id_number_of(person).encode() not in written_bytes
        assert person.name.encode() not in written_bytes
    for card in Card.objects.filter(batch_entry__batch=batch):
        assert card.card_number.encode() not in written_bytes


def test_the_export_moves_the_batch_to_exported_and_is_audited(tmp_path: Path) -> None:
    batch, _staff = personalised(1)
    files = batch_export(actor=OPERATOR, batch_id=batch.pk, out_dir=tmp_path)
    batch.refresh_from_db()
    assert batch.status == "exported"
    event = AuditEvent.objects.get(action="batch_export")
    assert event.object_id == str(batch.pk)
    assert event.changes == {
        "export_id": files.export.pk,
        "cards": 1,
        "sealed_sm3": files.export.cipher_sm3,
    }


def test_a_second_export_writes_a_second_file_beside_the_first(tmp_path: Path) -> None:
    batch, _staff = personalised(1)
    first = batch_export(actor=OPERATOR, batch_id=batch.pk, out_dir=tmp_path)
    second = batch_export(actor=OPERATOR, batch_id=batch.pk, out_dir=tmp_path)
    assert first.data != second.data
    assert first.data.exists()
    assert second.data.exists()
    assert FactoryExport.objects.filter(batch=batch).count() == 2
    batch.refresh_from_db()
    assert batch.status == "exported"


@pytest.mark.parametrize("started", [False, True])
def test_a_batch_not_personalised_yet_is_refused_and_nothing_is_written(
    tmp_path: Path, started: bool
) -> None:
    batch, _staff = formed(2)
    if started:
        batch_start(actor=OPERATOR, batch_id=batch.pk)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        batch_export(actor=OPERATOR, batch_id=batch.pk, out_dir=tmp_path)
    assert (refused.value.code, refused.value.status) == ("batch_not_personalised", 409)
    assert written() == before
    assert list(tmp_path.iterdir()) == []


def test_a_batch_the_factory_has_made_is_not_exported_again_and_nothing_is_left(
    tmp_path: Path,
) -> None:
    batch, _staff = personalised(1)
    factory_round_trip(batch, day=BJ_PILOT_DAY, out_dir=tmp_path / "first")
    before = written()
    again = tmp_path / "again"
    with pytest.raises(ApplicationError) as refused:
        batch_export(actor=OPERATOR, batch_id=batch.pk, out_dir=again)
    assert refused.value.code == "batch_already_made"
    assert written() == before
    assert not again.exists()


def test_an_unknown_batch_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(ApplicationError) as refused:
        batch_export(actor=OPERATOR, batch_id=404, out_dir=tmp_path)
    assert refused.value.code == "not_found"


@pytest.mark.parametrize("role", [Role.BANK_CLERK, Role.CARDHOLDER, Role.RELYING_PARTY])
def test_only_production_exports(tmp_path: Path, role: Role) -> None:
    batch, _staff = personalised(1)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        batch_export(actor=Actor(role=role, label="someone"), batch_id=batch.pk, out_dir=tmp_path)
    assert refused.value.code == "permission_denied"
    assert written() == before
    assert list(tmp_path.iterdir()) == []


def test_the_factory_refuses_a_file_whose_ca_is_not_the_root_it_trusts(tmp_path: Path) -> None:
    # a file signed by an issuing CA that does not chain to the factory's root is not opened
    from datetime import UTC, datetime, timedelta

    from sscard.kernel.gm import Sm2PrivateKey
    from sscard.kernel.pki import issue_root_ca

    batch, _staff = personalised(1)
    files = batch_export(actor=OPERATOR, batch_id=batch.pk, out_dir=tmp_path)
    now = datetime.now(UTC)
    strangers_root = issue_root_ca(
        key=Sm2PrivateKey.generate(),
        common_name="another root",
        organization="elsewhere",
        serial=7,
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=365),
    )
    with pytest.raises(FactoryRefusal) as refused:
        factory_read(
            data=files.data, manifest=files.manifest, key=factory_key(), trusted_root=strangers_root
        )
    assert "not trusted" in str(refused.value)
