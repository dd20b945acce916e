"""Set-ups the card tests share: a campaign in force, an application, cards in any state."""

from __future__ import annotations

import csv
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from django.utils import timezone

from sscard.applications.models import Application, Photo
from sscard.campaigns.models import Campaign
from sscard.campaigns.services import campaign_put_in_force
from sscard.cards.choices import CardBlock, CardStage, SocialSecurityFunction
from sscard.cards.legacy import COLUMNS, import_legacy_cards
from sscard.cards.models import Card
from sscard.cards.services import cards_order
from sscard.core.actors import Actor, Role
from sscard.core.models import ImportJob
from sscard.kernel.cardcodes import card_identification_code, card_number
from sscard.network.models import Bank
from sscard.network.services import BANKS_FILE
from sscard.policy import builtin_pack
from sscard.registry.models import Person
from sscard.testing.card_life import id_number_of
from sscard.testing.factories import XICHENG, BankFactory, OutletFactory, PersonFactory

SYSTEM = Actor.system("test")
TODAY = date(2024, 3, 4)
_serials = iter(range(9_000_000, 10_000_000))


def in_force(pack_id: str = "beijing-2024") -> Campaign:
    return campaign_put_in_force(actor=SYSTEM, pack=builtin_pack(pack_id))


def person(**kwargs: Any) -> Person:
    values: dict[str, Any] = {"hukou_region": XICHENG, "insured_region": XICHENG}
    values.update(kwargs)
    return PersonFactory.create(**values)


def application(campaign: Campaign, holder: Person, *, generation: int = 3) -> Application:
    photo, _created = Photo.objects.get_or_create(
        digest=f"{holder.pk:064x}",
        defaults={
            "source": "captured",
            "content_type": "image/jpeg",
            "width": 358,
            "height": 441,
            "bytes": 1000,
            "person": holder,
            "created_at": timezone.now(),
        },
    )
    return Application.objects.create(
        person=holder,
        channel="community_centre",
        action="first",
        applied_on=TODAY,
        bank_code="ICBC",
        pickup="at_outlet",
        photo_source="captured_on_site",
        photo=photo,
        taken_by="clerk",
        taken_by_role="community_clerk",
        submitted_at=timezone.now(),
        pack_id=campaign.pack_id,
        pack_hash=campaign.pack_hash,
        phase_id="",
        rule_id="",
        clause="BJ-10",
        reason_code="allowed",
        card_generation=generation,
    )


def card(holder: Person, **kwargs: Any) -> Card:
    """A card of ``holder`` as the old system left it (no application, no pack), handed over
    and not yet enabled unless told otherwise: the given state of unit tests and the card a
    person holds before the campaign. It comes in as the legacy system's cards do, through the
    legacy-cards import (``sscard.cards.legacy``): one row, imported, then read back.

    ``ss_function``, ``block`` (with ``blocked_until``) map to the export's ``state`` column,
    ``financial_function`` to ``financial_state``; ``generation``, ``bank_code``, ``serial``
    (or ``card_number``, ``card_id_code``), ``issued_on`` and ``valid_until`` to their columns.
    A legacy card is in its holder's hands and replaced by nothing sscard ordered: a card on
    its way (``stage``) or a replacement link (``replaced_by``) is made through the services
    (``sscard.testing.card_life``), never here.
    """
    unknown = set(kwargs) - _CARD_KWARGS
    stage = kwargs.get("stage", CardStage.HANDED_OVER)
    if unknown or stage != CardStage.HANDED_OVER:
        raise TypeError(
            f"card() makes legacy cards in their holder's hands; {sorted(unknown) or stage} "
            "comes from the services (sscard.testing.card_life)"
        )
    generation = kwargs.get("generation", 3)
    serial = kwargs.get("serial", next(_serials))
    bank = kwargs.get("bank_code", "ICBC")
    if bank:
        _bank(bank)
    blocked_until = kwargs.get("blocked_until")
    valid_until = kwargs.get("valid_until", date(2029, 12, 31))
    # A card that expired long ago was issued before it expired (ten years is the usual term).
    issued_on = kwargs.get("issued_on", min(date(2020, 1, 1), valid_until - timedelta(days=3652)))
    number = kwargs.get("card_number", card_number("ABC"[generation - 1], serial))
    row = {
        "id_number": id_number_of(holder),
        "card_number": number,
        "card_id_code": kwargs.get("card_id_code", card_identification_code(XICHENG, serial)),
        "generation": str(generation),
        "bank": bank,
        "issued_on": issued_on.isoformat(),
        "valid_until": valid_until.isoformat(),
        "state": legacy_state(
            ss_function=kwargs.get("ss_function", "not_enabled"),
            block=kwargs.get("block", "none"),
        ),
        "blocked_until": blocked_until.isoformat() if blocked_until else "",
        "financial_state": kwargs.get("financial_function", ""),
    }
    job = import_legacy_rows([row])
    if job.rows_inserted != 1:
        report = Path(job.report_path).read_text(encoding="utf-8-sig") if job.report_path else ""
        raise AssertionError(f"the legacy import refused the card: {job.status} {report}")
    return Card.objects.select_related("person").get(card_number=number)


_CARD_KWARGS = frozenset(
    {
        "generation", "stage", "bank_code", "serial", "card_number", "card_id_code",
        "ss_function", "block", "blocked_until", "financial_function", "issued_on",
        "valid_until",
    }
)  # fmt: skip


def legacy_state(*, ss_function: str, block: str) -> str:
    """The legacy export's state of a card with these facets (``cards.legacy.STATES``)."""
    if ss_function == SocialSecurityFunction.CANCELLED:
        return "cancelled"
    if ss_function == SocialSecurityFunction.INVALID:
        return "replaced"
    state = "enabled" if ss_function == SocialSecurityFunction.ENABLED else "not_enabled"
    if block == CardBlock.NONE:
        return state
    loss = "temporary_loss" if block == CardBlock.TEMPORARY else "formal_loss"
    return loss if state == "enabled" else f"not_enabled_{loss}"


def write_legacy_file(
    path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS
) -> Path:
    """A legacy export in CSV: ``columns`` as the header, one line per row (missing cells
    empty)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in COLUMNS])
    return path


def import_legacy_rows(rows: list[dict[str, str]], **options: Any) -> ImportJob:
    """Import these rows of a legacy export, as the city officer's upload would."""
    with tempfile.TemporaryDirectory(prefix="sscard-legacy-") as tmp:
        path = write_legacy_file(Path(tmp) / "legacy-cards.csv", rows)
        return import_legacy_cards(actor=SYSTEM, path=path, file_name=path.name, **options)


def _bank(code: str) -> Bank:
    """The bank of that code in the banks list, as ``banks_load`` would have it."""
    found = Bank.objects.filter(code=code).first()
    if found is not None:
        return found
    data = yaml.safe_load(BANKS_FILE.read_text(encoding="utf-8"))
    entries = [b for city in data["cities"].values() for b in city["partner_banks"]]
    entry = next(b for b in [*entries, *data.get("other_banks", [])] if b["code"] == code)
    return BankFactory.create(
        code=code,
        name_zh=entry["name_zh"],
        name_en=entry["name_en"],
        hotline=str(entry.get("hotline", "")),
    )


def card_ordered(holder: Person, *, campaign: Campaign | None = None, generation: int = 3) -> Card:
    """A card of ``holder`` on its way (stage ``ordered``): an application of theirs in
    ``campaign`` (Beijing's, put in force, if none) and production's order of its card."""
    campaign = campaign or in_force()
    submitted = application(campaign, holder, generation=generation)
    (card_id,) = cards_order(actor=SYSTEM, application_ids=[submitted.pk], today=TODAY)
    return Card.objects.select_related("person").get(pk=card_id)


def clerk() -> Actor:
    """A clerk at a community centre: where a card without a pickup method may be enabled."""
    outlet = OutletFactory.create(community_centre=True)
    return Actor(role=Role.COMMUNITY_CLERK, label="clerk", outlet_id=outlet.pk)


def holder_actor(holder: Person) -> Actor:
    return Actor(role=Role.CARDHOLDER, label=f"holder{holder.pk}", person_id=holder.pk)
