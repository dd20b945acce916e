"""BJ-12: application and replacement are free of production fee and postage."""

from __future__ import annotations

import copy

import pytest

from sscard.policy import PackError, builtin_pack, load_pack
from sscard.policy.tests.packs import dump, pack_data

PACK = builtin_pack("beijing-2024")


def test_bj_12_every_fee_is_zero() -> None:
    assert PACK.fees.notice_says_free
    assert PACK.fees.clause == "BJ-12"
    assert {item.id for item in PACK.fees.items} == {"production", "postage"}
    assert all(item.amount_fen == 0 for item in PACK.fees.items)


@pytest.mark.parametrize("index", [0, 1])
def test_bj_12_a_pack_that_sets_a_fee_is_refused(index: int) -> None:
    data = copy.deepcopy(pack_data("beijing-2024"))
    data["fees"]["items"][index]["amount_fen"] = 1000
    with pytest.raises(PackError) as info:
        load_pack(dump(data))
    assert info.value.code == "pack_fee_not_free"
    assert info.value.path == f"fees.items[{index}].amount_fen"
    assert info.value.message_zh
    assert info.value.message_en


@pytest.mark.django_db
def test_bj_12_applications_and_posted_cards_record_no_fee() -> None:
    # given pilot staff applying collectively (post) and a replacement at a bank outlet
    from datetime import date

    from sscard.applications.models import Application
    from sscard.applications.tests.support import branch, clerk
    from sscard.cards.services import card_enable, card_replacement_apply
    from sscard.cards.tests.scenarios import beijing_pilot_unit
    from sscard.delivery.models import Shipment
    from sscard.testing.card_life import card_of, clerk_of, collect_at, dispatch, produce

    posted = beijing_pilot_unit(pickup="post")
    at_branch = beijing_pilot_unit(pickup="branch")
    day = date(2024, 3, 4)
    dispatch(produce(day=day))
    card = collect_at(at_branch.outlet, at_branch.applications[0])
    card_enable(actor=clerk_of(at_branch.outlet), card=card, today=day)
    card_replacement_apply(
        actor=clerk(branch("ICBC")),
        card=card,
        reason="damaged",
        channel="bank_outlet",
        day=day,
        pickup="post",
        mailing_address="北京市西城区测试街1号",
    )
    # then every fee the platform recorded is 0: production, replacement and postage
    assert Application.objects.count() == 3
    assert set(Application.objects.values_list("fee_fen", flat=True)) == {0}
    shipment = Shipment.objects.get(card=card_of(posted.applications[0]))
    assert (shipment.method, shipment.postage_fen) == ("post", 0)


def test_bj_12_the_fee_recorded_is_the_packs_so_a_charging_pack_would_show() -> None:
    # the recorded fee is read from the pack, not written as 0: a pack of a notice that
    # charges (not Beijing's) gives the charge, postage only when the card is posted
    from sscard.campaigns.selectors import fee_for

    data = copy.deepcopy(pack_data("beijing-2024"))
    data["fees"]["notice_says_free"] = False
    data["fees"]["items"][0]["amount_fen"] = 2000  # production
    data["fees"]["items"][1]["amount_fen"] = 1200  # postage
    charging = load_pack(dump(data))
    assert fee_for(charging, pickup="branch") == 2000
    assert fee_for(charging, pickup="post") == 3200
    assert fee_for(PACK, pickup="post") == 0
