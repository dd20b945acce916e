"""Loading packs: the built-in ones load; every kind of bad pack is refused with code and path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sscard.kernel.gm import sm3
from sscard.policy import PackError, builtin_pack, builtin_pack_ids, load_pack
from sscard.policy.loader import PACKS_DIR
from sscard.policy.tests.packs import dump, pack_data, rule_index

BJ = "beijing-2024"
SH = "shanghai-2019"


def refused(data: dict[str, Any] | str) -> PackError:
    text = data if isinstance(data, str) else dump(data)
    with pytest.raises(PackError) as info:
        load_pack(text)
    return info.value


def edited(pack_id: str, edit: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    data = copy.deepcopy(pack_data(pack_id))
    edit(data)
    return data


# -- the built-in packs ----------------------------------------------------------------------


def test_the_builtin_packs_are_listed_and_load() -> None:
    assert builtin_pack_ids() == [BJ, SH]
    for pack_id in builtin_pack_ids():
        pack = builtin_pack(pack_id)
        assert pack.id == pack_id
        assert pack.city in ("110000", "310000")


def test_an_unknown_builtin_pack_is_refused() -> None:
    with pytest.raises(PackError) as info:
        builtin_pack("guangzhou-2030")
    assert info.value.code == "pack_not_found"


def test_a_missing_file_is_refused() -> None:
    with pytest.raises(PackError) as info:
        load_pack(Path("/nonexistent/pack.yaml"))
    assert info.value.code == "pack_not_found"


def test_the_dumped_data_of_a_builtin_pack_loads_again() -> None:
    # The helper used by every bad-input test below: unchanged data must load.
    for pack_id in builtin_pack_ids():
        assert load_pack(dump(pack_data(pack_id))).id == pack_id


# -- content hash ----------------------------------------------------------------------------


@pytest.mark.parametrize("pack_id", [BJ, SH])
def test_the_content_hash_is_the_sm3_of_the_file_bytes(pack_id: str) -> None:
    path = PACKS_DIR / f"{pack_id}.yaml"
    pack = load_pack(path)
    assert pack.content_hash == sm3(path.read_bytes()).hex()
    assert len(pack.content_hash) == 64


@pytest.mark.parametrize("pack_id", [BJ, SH])
def test_the_hash_is_stable_and_follows_the_source_text(pack_id: str) -> None:
    path = PACKS_DIR / f"{pack_id}.yaml"
    first, second = load_pack(path), load_pack(str(path))
    # the same file gives the same hash, as a Path and as a string path
    assert first.content_hash == second.content_hash
    # the text the pack keeps is exactly what was loaded, and gives the same hash again
    assert first.source_text == path.read_text("utf-8")
    assert load_pack(first.source_text).content_hash == first.content_hash
    # any change, even a comment, is another pack
    assert load_pack(first.source_text + "\n# note\n").content_hash != first.content_hash


def test_the_loader_fields_cannot_be_written_in_a_pack() -> None:
    data = edited(BJ, lambda d: d.update(content_hash="0" * 64))
    error = refused(data)
    assert (error.code, error.path) == ("pack_unknown_key", "content_hash")


# -- YAML ------------------------------------------------------------------------------------


def test_invalid_yaml_is_refused() -> None:
    error = refused("id: [unclosed\ntitle: x\n")
    assert error.code == "pack_yaml_invalid"
    assert error.details["line"] is not None


def test_a_top_level_list_is_refused() -> None:
    assert refused("- a\n- b\n").code == "pack_yaml_invalid"


def test_a_key_written_twice_is_refused() -> None:
    text = (
        (PACKS_DIR / f"{BJ}.yaml")
        .read_text("utf-8")
        .replace("timezone: Asia/Shanghai\n", "timezone: Asia/Shanghai\ntimezone: Asia/Urumqi\n")
    )
    error = refused(text)
    assert (error.code, error.path) == ("pack_duplicate_key", "timezone")


# -- the cases the issue names ---------------------------------------------------------------


def test_an_unknown_key_is_refused_with_its_path() -> None:
    error = refused(edited(BJ, lambda d: d.update(colour="red")))
    assert (error.code, error.path) == ("pack_unknown_key", "colour")
    assert "colour" in error.message_zh
    assert "colour" in error.message_en


def test_an_unknown_key_deep_in_a_rule_is_refused_with_its_path() -> None:
    data = pack_data(BJ)
    pi, ri = rule_index(data, "pilot-collective")
    data["phases"][pi]["rules"][ri]["bankz"] = ["ICBC"]
    error = refused(data)
    assert (error.code, error.path) == ("pack_unknown_key", f"phases[{pi}].rules[{ri}].bankz")


def test_an_unknown_key_in_a_predicate_is_refused_with_its_path() -> None:
    data = pack_data(BJ)
    data["groups"]["pilot_staff"]["predicate"]["all"][0]["valus"] = ["x"]
    error = refused(data)
    assert (error.code, error.path) == (
        "pack_unknown_key",
        "groups.pilot_staff.predicate.all[0].valus",
    )


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    error = refused(edited(BJ, lambda d: d["phases"][0].update(ends=date(2024, 1, 1))))
    assert (error.code, error.path) == ("pack_window_reversed", "phases[0].ends")


def _overlapping_phase(rule: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def edit(d: dict[str, Any]) -> None:
        d["phases"].append(
            {
                "id": "extra",
                "title_zh": "额外阶段",
                "title_en": "Extra phase",
                "starts": date(2024, 3, 1),
                "ends": date(2024, 3, 31),
                "clause": "BJ-02",
                "rules": [rule],
            }
        )

    return edit


def test_overlapping_phases_that_contradict_each_other_are_refused() -> None:
    # a second phase in March 2024 gives pilot staff the old card through the same channels
    contradiction = {
        "id": "extra-old-card",
        "title_zh": "旧卡",
        "title_en": "Old card",
        "effect": "allow",
        "groups": ["pilot_staff"],
        "actions": ["collective"],
        "channels": ["collective_online"],
        "generation": 2,
        "bank": {"choice": "employer_picks", "clause": "BJ-04"},
        "clause": "BJ-10",
    }
    data = edited(BJ, _overlapping_phase(contradiction))
    error = refused(data)
    assert error.code == "pack_phases_conflict"
    pi, ri = rule_index(data, "pilot-collective")
    assert error.path == "phases[2].rules[0]"
    assert error.details["other"] == f"phases[{pi}].rules[{ri}]"


def test_overlapping_phases_for_disjoint_groups_load() -> None:
    # a March phase lets retirees apply at community centres; the only pilot rule for first
    # applications there is the BJ-05 deny for pilot staff, a group no retiree belongs to
    retirees = {
        "id": "extra-retirees",
        "title_zh": "退休人员社区办理",
        "title_en": "Retirees at community centres",
        "effect": "allow",
        "groups": ["flexible_and_retirees"],
        "actions": ["first"],
        "channels": ["community_centre"],
        "generation": 2,
        "bank": {"choice": "applicant_picks", "chosen": "test data for the overlap check"},
        "clause": "BJ-10",
    }
    assert load_pack(dump(edited(BJ, _overlapping_phase(retirees)))).phase("extra")
    # the same rule for pilot staff meets that deny rule, and is refused
    staff = dict(retirees, groups=["pilot_staff"])
    error = refused(edited(BJ, _overlapping_phase(staff)))
    assert error.code == "pack_phases_conflict"
    # and an answer that agrees with the rule it meets is no contradiction
    agreeing = {
        "id": "extra-deny",
        "title_zh": "非试点对象",
        "title_en": "Not a pilot target",
        "effect": "deny",
        "groups": ["flexible_and_retirees"],
        "actions": ["collective"],
        "channels": ["collective_online"],
        "reason": "not_pilot_target",
        "message_zh": "不是试点对象。",
        "message_en": "Not a pilot target.",
        "clause": "BJ-03",
    }
    assert load_pack(dump(edited(BJ, _overlapping_phase(agreeing)))).phase("extra")


def test_a_bank_in_a_rule_that_is_not_in_the_bank_list_is_refused() -> None:
    data = pack_data(BJ)
    pi, ri = rule_index(data, "pilot-collective")
    data["phases"][pi]["rules"][ri]["banks"] = ["ICBC", "CIB"]
    error = refused(data)
    assert (error.code, error.path) == ("pack_bank_unknown", f"phases[{pi}].rules[{ri}].banks[1]")
    assert error.details["value"] == "CIB"


@pytest.mark.parametrize(
    "text",
    [
        "详情请见 https://rsj.beijing.gov.cn/ 。",
        "请登录 rsj.beijing.gov.cn 查询。",
        "请登录 rsj点beijing点gov点cn 查询。",
        "请访问 www。abc。com",
        "请访问 abc\u200b.com",
        "点击 t.cn/abc 领取",
        "请访问 ｗｗｗ．ａｂｃ．ｃｏｍ",
        "请访问 {outlet}.com 查看",
    ],
)
def test_a_template_with_a_link_is_refused(text: str) -> None:
    data = pack_data(BJ)
    data["templates"]["card_ready"]["text_zh"] = (
        "您的社会保障卡已制作完成，请到{outlet}领取。" + text
    )
    error = refused(data)
    assert (error.code, error.path) == ("pack_template_refused", "templates.card_ready.text_zh")
    assert error.details["rule"] in ("link", "short_link", "bare_domain", "ip_address")


def test_a_template_asking_for_a_password_is_refused() -> None:
    data = pack_data(SH)
    data["templates"]["loss_reported"]["text_en"] = "Reply with your card PIN to confirm."
    error = refused(data)
    assert (error.code, error.path) == ("pack_template_refused", "templates.loss_reported.text_en")


def test_a_rule_message_with_a_link_is_refused() -> None:
    data = pack_data(BJ)
    pi, ri = rule_index(data, "pilot-individual-closed-all")
    data["phases"][pi]["rules"][ri]["message_en"] = "See www.example.com for details."
    error = refused(data)
    assert (error.code, error.path) == (
        "pack_template_refused",
        f"phases[{pi}].rules[{ri}].message_en",
    )


def test_a_fee_where_the_notice_says_free_is_refused() -> None:
    data = pack_data(BJ)
    data["fees"]["items"][1]["amount_fen"] = 1200
    error = refused(data)
    assert (error.code, error.path) == ("pack_fee_not_free", "fees.items[1].amount_fen")


def test_a_district_code_that_does_not_exist_is_refused() -> None:
    data = pack_data(BJ)
    data["groups"]["pilot_staff"]["predicate"]["all"][1]["values"] = ["110102", "110199"]
    error = refused(data)
    assert (error.code, error.path) == (
        "pack_district_unknown",
        "groups.pilot_staff.predicate.all[1].values[1]",
    )
    assert error.details["value"] == "110199"


def test_a_region_prefix_that_matches_nothing_is_refused() -> None:
    data = pack_data(SH)
    data["groups"]["eligible"]["predicate"]["any"][0]["values"] = ["39"]
    error = refused(data)
    assert (error.code, error.path) == (
        "pack_district_unknown",
        "groups.eligible.predicate.any[0].values[0]",
    )


def test_an_employer_district_of_another_city_is_refused() -> None:
    data = pack_data(BJ)
    data["groups"]["pilot_units"]["predicate"]["values"] = ["110102", "310106"]
    error = refused(data)
    assert error.code == "pack_district_unknown"
    assert error.path == "groups.pilot_units.predicate.values[1]"


def test_a_city_code_that_does_not_exist_is_refused() -> None:
    error = refused(edited(BJ, lambda d: d.update(city="119900")))
    assert (error.code, error.path) == ("pack_district_unknown", "city")


# -- every fact names its source -------------------------------------------------------------


def test_a_fact_without_clause_or_chosen_is_refused() -> None:
    data = pack_data(BJ)
    del data["banks"][0]["clause"]
    error = refused(data)
    assert (error.code, error.path) == ("pack_source_missing", "banks[0]")


def test_a_rule_without_a_source_is_refused() -> None:
    data = pack_data(SH)
    pi, ri = rule_index(data, "staff-collective")
    del data["phases"][pi]["rules"][ri]["clause"]
    del data["phases"][pi]["rules"][ri]["chosen"]
    error = refused(data)
    assert (error.code, error.path) == ("pack_source_missing", f"phases[{pi}].rules[{ri}]")


def test_a_malformed_clause_id_is_refused() -> None:
    data = pack_data(BJ)
    data["due_rules"]["collective"]["clause"] = "article 11"
    error = refused(data)
    assert (error.code, error.path) == ("pack_clause_invalid", "due_rules.collective.clause")


def test_a_chosen_without_a_reason_is_refused() -> None:
    data = pack_data(BJ)
    data["validity"][0]["chosen"] = "yes"
    error = refused(data)
    assert (error.code, error.path) == ("pack_source_missing", "validity[0].chosen")


# -- references and structure ----------------------------------------------------------------


def test_a_rule_naming_an_unknown_group_is_refused() -> None:
    data = pack_data(BJ)
    pi, ri = rule_index(data, "pilot-collective")
    data["phases"][pi]["rules"][ri]["groups"] = ["pilot_staf"]
    error = refused(data)
    assert (error.code, error.path) == ("pack_group_unknown", f"phases[{pi}].rules[{ri}].groups[0]")


def test_a_predicate_naming_an_unknown_group_is_refused() -> None:
    data = pack_data(SH)
    data["groups"]["retirees"]["predicate"]["all"][1] = {"group": "eligibel"}
    error = refused(data)
    assert (error.code, error.path) == (
        "pack_group_unknown",
        "groups.retirees.predicate.all[1].group",
    )


def test_groups_referring_to_each_other_in_a_cycle_are_refused() -> None:
    data = pack_data(SH)
    data["groups"]["eligible"]["predicate"] = {"all": [{"group": "retirees"}]}
    error = refused(data)
    assert error.code == "pack_group_cycle"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("pickup", ["branch", "drone"], "pack_pickup_unknown"),
        ("due", "fortnight", "pack_due_rule_unknown"),
        ("generation", 4, "pack_generation_unknown"),
    ],
)
def test_a_rule_naming_something_the_pack_lacks_is_refused(
    field: str, value: object, code: str
) -> None:
    data = pack_data(BJ)
    pi, ri = rule_index(data, "pilot-collective")
    data["phases"][pi]["rules"][ri][field] = value
    error = refused(data)
    assert error.code == code
    assert error.path is not None
    assert error.path.startswith(f"phases[{pi}].rules[{ri}].{field}")


def test_a_deny_rule_without_a_message_is_refused() -> None:
    data = pack_data(BJ)
    pi, ri = rule_index(data, "pilot-individual-closed-all")
    del data["phases"][pi]["rules"][ri]["message_zh"]
    del data["phases"][pi]["rules"][ri]["message_en"]
    error = refused(data)
    assert (error.code, error.path) == (
        "pack_schema_invalid",
        f"phases[{pi}].rules[{ri}].message_zh",
    )


def test_a_deny_rule_offering_a_card_is_refused() -> None:
    data = pack_data(BJ)
    pi, ri = rule_index(data, "pilot-individual-closed-all")
    data["phases"][pi]["rules"][ri]["generation"] = 3
    error = refused(data)
    assert (error.code, error.path) == (
        "pack_schema_invalid",
        f"phases[{pi}].rules[{ri}].generation",
    )


def test_a_reason_code_of_the_engine_is_refused() -> None:
    data = pack_data(BJ)
    pi, ri = rule_index(data, "pilot-individual-closed-all")
    data["phases"][pi]["rules"][ri]["reason"] = "no_rule"
    assert refused(data).code == "pack_schema_invalid"


def test_two_rules_with_one_id_are_refused() -> None:
    data = pack_data(BJ)
    pi, ri = rule_index(data, "pilot-old-channels")
    data["phases"][pi]["rules"][ri]["id"] = "pilot-collective"
    error = refused(data)
    assert (error.code, error.path) == ("pack_duplicate_id", f"phases[{pi}].rules[{ri}].id")


def test_an_unknown_channel_is_refused() -> None:
    data = pack_data(BJ)
    pi, ri = rule_index(data, "pilot-collective")
    data["phases"][pi]["rules"][ri]["channels"] = ["collective_online", "fax"]
    error = refused(data)
    assert (error.code, error.path) == (
        "pack_schema_invalid",
        f"phases[{pi}].rules[{ri}].channels[1]",
    )


def test_a_missing_field_is_refused() -> None:
    data = pack_data(BJ)
    del data["title"]
    error = refused(data)
    assert (error.code, error.path) == ("pack_schema_invalid", "title")
    assert error.details["error"] == "missing"


def test_an_unquoted_district_code_is_refused() -> None:
    data = pack_data(BJ)
    data["groups"]["pilot_units"]["predicate"]["values"] = [110102]
    error = refused(data)
    assert (error.code, error.path) == (
        "pack_predicate_invalid",
        "groups.pilot_units.predicate.values[0]",
    )


def test_an_employer_group_testing_a_person_fact_is_refused() -> None:
    data = pack_data(BJ)
    data["groups"]["pilot_units"]["predicate"] = {
        "fact": "category",
        "op": "in",
        "values": ["in_service_staff"],
    }
    error = refused(data)
    assert (error.code, error.path) == ("pack_predicate_invalid", "groups.pilot_units.predicate")


@pytest.mark.parametrize(
    ("condition", "where"),
    [
        ({"fact": "height", "op": "in", "values": ["x"]}, "fact"),
        ({"fact": "age", "op": "in", "values": ["x"]}, "op"),
        ({"fact": "age", "op": "between", "values": [18, 5]}, "values"),
        ({"fact": "category", "op": "in", "values": []}, "values"),
        ({"fact": "category", "op": "in", "values": ["astronaut"]}, "values[0]"),
        ({"fact": "school_notified", "op": "is_true", "values": ["yes"]}, "values"),
    ],
)
def test_a_malformed_condition_is_refused(condition: dict[str, Any], where: str) -> None:
    data = pack_data(SH)
    data["groups"]["elderly"]["predicate"]["all"][1] = condition
    error = refused(data)
    assert (error.code, error.path) == (
        "pack_predicate_invalid",
        f"groups.elderly.predicate.all[1].{where}",
    )


def test_a_hotline_without_a_number_is_refused() -> None:
    data = pack_data(SH)
    data["contacts"][0]["phone"] = "call us"
    error = refused(data)
    assert (error.code, error.path) == ("pack_schema_invalid", "contacts[0].phone")


def test_a_template_whose_languages_use_different_placeholders_is_refused() -> None:
    data = pack_data(BJ)
    data["templates"]["card_ready"]["text_en"] = "Your card is ready at {branch}."
    error = refused(data)
    assert (error.code, error.path) == ("pack_template_invalid", "templates.card_ready.text_en")


def test_a_due_rule_of_two_kinds_is_refused() -> None:
    data = pack_data(BJ)
    data["due_rules"]["collective"]["working_days"] = 4
    error = refused(data)
    assert (error.code, error.path) == ("pack_schema_invalid", "due_rules.collective")
