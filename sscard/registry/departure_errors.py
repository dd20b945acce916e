"""The refusals of recording a death or departure and of its reversal (issue 15 point 2), and
of the rows of the civil-affairs file, each listed once with both messages."""

from __future__ import annotations

from sscard.core.errors import ErrorCode


class DepartureErrorCode(ErrorCode):
    """A stable code, its HTTP status and its messages in Chinese and English."""

    DEPARTURE_PERSON_UNKNOWN = (
        "departure_person_unknown",
        404,
        "登记中没有该身份证件号码的人员，不能登记死亡或转出。",
        "No person with this ID number is registered: a death or departure cannot be recorded "
        "for an unknown person.",
    )
    DEPARTURE_NAME_MISMATCH = (
        "departure_name_mismatch",
        422,
        "姓名与登记信息不一致，未登记；请与民政部门核对。",
        "The name does not match the registry's; nothing was recorded. Check it with civil "
        "affairs.",
    )
    DEPARTURE_ALREADY_RECORDED = (
        "departure_already_recorded",
        409,
        "该人员已登记死亡或转出。",
        "A death or departure is already recorded for this person.",
    )
    DEPARTURE_NOT_RECORDED = (
        "departure_not_recorded",
        409,
        "该人员没有已登记的死亡或转出，无需撤销。",
        "No death or departure is recorded for this person; there is nothing to reverse.",
    )
    DEPARTURE_DATE_INVALID = (
        "departure_date_invalid",
        422,
        "日期应为 YYYY-MM-DD 格式的日期。",
        "The date must be a date written YYYY-MM-DD.",
    )
    DEPARTURE_DATE_IN_FUTURE = (
        "departure_date_in_future",
        422,
        "死亡或转出日期不能晚于今天。",
        "The date of the death or departure cannot be later than today.",
    )
    DEPARTURE_DATE_BEFORE_BIRTH = (
        "departure_date_before_birth",
        422,
        "死亡或转出日期早于该人员的出生日期。",
        "The date of the death or departure is before the person's birth date.",
    )
    DEPARTURE_KIND_INVALID = (
        "departure_kind_invalid",
        422,
        "类型应为：死亡（death）、出国（境）定居（emigration）或转出本市（transfer_out）。",
        "The kind must be one of: death, emigration, transfer_out.",
    )
    DEPARTURE_REFERENCE_REQUIRED = (
        "departure_reference_required",
        422,
        "请填写证明文书编号（如死亡证明编号）或文件编号（不超过64个字符）。",
        "Enter the reference of the certificate or of the file (at most 64 characters).",
    )
    DEPARTURE_DESTINATION_INVALID = (
        "departure_destination_invalid",
        422,
        "转出须填写转入城市的行政区划代码，且不能是本市。",
        "A transfer needs the division code of the city it goes to, which cannot be this city.",
    )
    DEPARTURE_OTHER_DISTRICT = (
        "departure_other_district",
        403,
        "该人员不属于您所在的区县，不能为其登记死亡或转出。",
        "This person does not belong to your district: you cannot record their death or departure.",
    )
    PERSON_DEPARTED = (
        "person_departed",
        409,
        "该人员已登记死亡或转出，不能为其申领社会保障卡。",
        "This person's death or departure is recorded: no card can be applied for them.",
    )
