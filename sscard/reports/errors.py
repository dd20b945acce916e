"""The refusals of the bureau's reports, each listed once with both messages."""

from __future__ import annotations

from sscard.core.errors import ErrorCode


class ReportsErrorCode(ErrorCode):
    """A stable code, its HTTP status and its messages in Chinese and English."""

    STATISTICS_DISTRICT_NOT_YOURS = (
        "statistics_district_not_yours",
        403,
        "您只能查看本人负责地区的统计数据。",
        "You may see the figures of your own area only.",
    )
    STATISTICS_EMPLOYER_NOT_YOURS = (
        "statistics_employer_not_yours",
        403,
        "您只能查看本单位的统计数据。",
        "You may see the figures of your own employer only.",
    )
    STATISTICS_DISTRICT_INVALID = (
        "statistics_district_invalid",
        422,
        "区县代码应为6位数字。",
        "A district code is 6 digits.",
    )
    STATISTICS_PERIOD_INVALID = (
        "statistics_period_invalid",
        422,
        "统计期间无效：开始日期不能晚于结束日期，期间最长{days}天。",
        "The period is not valid: it starts on or before its end and spans {days} days at most.",
    )
    STATISTICS_QUERY_INVALID = (
        "statistics_query_invalid",
        422,
        "查询条件有误：{fields}。",
        "The query is not valid: {fields}.",
    )
    AUDIT_SUBJECT_REQUIRED = (
        "audit_subject_required",
        422,
        "请指定人员或卡号：您的账户限于本市，审计日志按本市的人员和卡查询。",
        "Name a person or a card: your account is bound to a city, and the audit trail is"
        " searched through that city's persons and cards.",
    )
    AUDIT_PERIOD_INVALID = (
        "audit_period_invalid",
        422,
        "日期范围无效：日期应在1900年至2999年之间，开始日期不能晚于结束日期，范围最长十年。",
        "The dates are not valid: between 1900 and 2999, the first on or before the last, ten"
        " years apart at most.",
    )
    AUDIT_ACTION_UNKNOWN = (
        "audit_action_unknown",
        422,
        "没有这种操作。",
        "There is no such action.",
    )
    AUDIT_ACTOR_INVALID = (
        "audit_actor_invalid",
        422,
        "操作人用户名最长150个字符。",
        "An actor's user name is 150 characters at most.",
    )
