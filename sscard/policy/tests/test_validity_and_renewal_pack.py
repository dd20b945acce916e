"""The packs' validity by generation and age at issue, and their renewal section (issue 15
point 4): bands cover every age once, without a gap or an overlap; the renewal text is one of
the pack's templates and passes BJ-13; a pack written before either keeps its meaning."""

from __future__ import annotations

from typing import Any

import pytest

from sscard.kernel import messages
from sscard.policy import PackError, builtin_pack, load_pack
from sscard.policy.tests.packs import dump, pack_data

PACKS = ["beijing-2024", "shanghai-2019"]


def refused(data: dict[str, Any]) -> PackError:
    with pytest.raises(PackError) as caught:
        load_pack(dump(data))
    return caught.value


def _third(data: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(v for v in data["validity"] if v["generation"] == 3)
    return found


@pytest.mark.parametrize("pack_id", PACKS)
def test_a_childs_card_runs_five_years_everyone_elses_ten(pack_id):
    pack = builtin_pack(pack_id)
    assert pack.validity_years(3, age=0) == 5
    assert pack.validity_years(3, age=15) == 5
    assert pack.validity_years(3, age=16) == 10
    assert pack.validity_years(3, age=90) == 10
    # age unknown (a card of the old system): the ordinary term
    assert pack.validity_years(3) == 10
    # the notices give no term: the pack says why it chose this one
    assert next(v for v in pack.validity if v.generation == 3).chosen


def test_a_generation_without_bands_keeps_its_years_for_every_age():
    pack = builtin_pack("beijing-2024")
    assert pack.validity_years(2, age=3) == 10
    assert pack.validity_years(2, age=70) == 10
    assert pack.validity_years(1) is None


def test_an_old_pack_without_renewal_or_bands_still_loads_and_means_the_same():
    data = pack_data("shanghai-2019")
    data.pop("renewal")
    data["validity"] = [{"generation": 3, "years": 10, "chosen": "A pack written before bands."}]
    pack = load_pack(dump(data))
    assert pack.renewal is None
    assert pack.validity_years(3, age=4) == 10


@pytest.mark.parametrize("pack_id", PACKS)
def test_each_pack_tells_ninety_days_before_with_a_text_that_passes_bj13(pack_id):
    pack = builtin_pack(pack_id)
    terms = pack.renewal
    assert terms is not None
    assert terms.notice_days == 90
    assert terms.chosen
    template = pack.templates[terms.template]
    assert template.placeholders == {"expiry"}
    assert messages.check(template.text_zh.format(expiry="2027年3月1日")).ok
    # a renewal is taken where the pack takes a replacement, and collectively
    collective = {"collective_online", "collective_offline", "enterprise_point"}
    assert set(pack.loss.replacement_channels) <= set(terms.channels)
    assert collective <= set(terms.channels)


def test_overlapping_bands_are_refused():
    data = pack_data("beijing-2024")
    _third(data)["bands"] = [
        {"from_age": 0, "to_age": 16, "years": 5},
        {"from_age": 14, "years": 10},
    ]
    error = refused(data)
    assert error.code == "pack_validity_bands_overlap"
    assert (error.path or "").endswith("bands[1].from_age")


def test_an_open_band_before_the_last_is_an_overlap():
    data = pack_data("beijing-2024")
    _third(data)["bands"] = [{"from_age": 0, "years": 5}, {"from_age": 16, "years": 10}]
    assert refused(data).code == "pack_validity_bands_overlap"


def test_a_gap_between_bands_is_refused():
    data = pack_data("beijing-2024")
    _third(data)["bands"] = [
        {"from_age": 0, "to_age": 16, "years": 5},
        {"from_age": 18, "years": 10},
    ]
    error = refused(data)
    assert error.code == "pack_validity_bands_gap"
    assert (error.path or "").endswith("bands[1].from_age")


def test_bands_that_stop_at_an_age_leave_a_gap_after_it():
    data = pack_data("beijing-2024")
    _third(data)["bands"] = [{"from_age": 0, "to_age": 60, "years": 10}]
    assert refused(data).code == "pack_validity_bands_gap"


def test_bands_must_start_at_birth():
    data = pack_data("beijing-2024")
    _third(data)["bands"] = [{"from_age": 1, "years": 10}]
    assert refused(data).code == "pack_validity_bands_gap"


def test_a_negative_age_is_refused():
    data = pack_data("shanghai-2019")
    _third(data)["bands"] = [
        {"from_age": -1, "to_age": 16, "years": 5},
        {"from_age": 16, "years": 10},
    ]
    error = refused(data)
    assert error.code == "pack_validity_band_invalid"
    assert (error.path or "").endswith("bands[0]")


def test_a_band_ending_before_it_starts_is_refused():
    data = pack_data("shanghai-2019")
    _third(data)["bands"] = [
        {"from_age": 0, "to_age": 0, "years": 5},
        {"from_age": 0, "years": 10},
    ]
    assert refused(data).code == "pack_validity_band_invalid"


def test_years_and_bands_together_are_refused():
    data = pack_data("beijing-2024")
    _third(data)["years"] = 10
    assert refused(data).code == "pack_schema_invalid"


def test_a_band_of_no_years_is_refused():
    data = pack_data("beijing-2024")
    _third(data)["bands"][0]["years"] = 0
    assert refused(data).code == "pack_schema_invalid"


def test_the_renewal_must_name_a_template_of_the_pack():
    data = pack_data("beijing-2024")
    data["renewal"]["template"] = "no_such_text"
    error = refused(data)
    assert (error.code, error.path) == ("pack_template_unknown", "renewal.template")


def test_the_renewal_must_say_why_it_was_chosen():
    data = pack_data("beijing-2024")
    data["renewal"].pop("chosen")
    assert refused(data).code == "pack_source_missing"


def test_a_renewal_text_with_a_link_is_refused():
    data = pack_data("shanghai-2019")
    data["templates"]["card_expiring"]["text_zh"] = (
        "您的社保卡将于{expiry}到期，请点击 http://x.cn/r 换卡。"
    )
    assert refused(data).code == "pack_template_refused"


@pytest.mark.parametrize("days", [0, -5, 400])
def test_a_notice_period_out_of_range_is_refused(days):
    data = pack_data("beijing-2024")
    data["renewal"]["notice_days"] = days
    assert refused(data).code == "pack_schema_invalid"


def test_an_unknown_renewal_channel_is_refused():
    data = pack_data("beijing-2024")
    data["renewal"]["channels"] = ["telegram"]
    assert refused(data).code == "pack_schema_invalid"
