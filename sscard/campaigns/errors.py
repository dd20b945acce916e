"""The refusals of campaigns' own services, each listed once with both messages."""

from __future__ import annotations

from sscard.core.errors import ErrorCode


class CampaignErrorCode(ErrorCode):
    """A stable code, its HTTP status and its messages in Chinese and English."""

    NO_CAMPAIGN_IN_FORCE = (
        "no_campaign_in_force",
        409,
        "所在城市没有正在实施的换发政策。",
        "No policy pack is in force for this city.",
    )

    SCHOOL_NOTICE_TARGET_INVALID = (
        "school_notice_target_invalid",
        422,
        "请指定一所学校或一个区（二者选一）。",
        "Name either one school or one district, not both and not neither.",
    )
    SCHOOL_NOTICE_DATE_IN_FUTURE = (
        "school_notice_date_in_future",
        422,
        "通知日期不能晚于今天。",
        "The notice date cannot be later than today.",
    )
    SCHOOL_NOTICE_NOT_IN_PACK = (
        "school_notice_not_in_pack",
        409,
        "本市正在实施的换发政策没有学校通知（中小幼人员分区分批办理）。",
        "The policy in force for this city has no school notices (pupils by district and batch).",
    )
    SCHOOL_NOTICE_OUT_OF_SCOPE = (
        "school_notice_out_of_scope",
        403,
        "只能为本人负责范围内的学校登记通知。",
        "You may record notices only for the schools in your own area.",
    )
    SCHOOL_ALREADY_NOTIFIED = (
        "school_already_notified",
        409,
        "该学校已登记过通知。",
        "A notice has already been recorded for this school.",
    )
    DISTRICT_NO_SCHOOL_TO_NOTIFY = (
        "district_no_school_to_notify",
        409,
        "该区没有尚未通知的学校。",
        "No school of this district is waiting for a notice.",
    )
    CAMPAIGN_OTHER_CITY = (
        "campaign_other_city",
        403,
        "只能为本市发布换发政策。",
        "You may put packs into force for your own city only.",
    )
    CAMPAIGN_NOT_IN_FORCE = (
        "campaign_not_in_force",
        409,
        "该换发工作已不在实施中。",
        "That campaign is no longer in force.",
    )
    PACK_FILE_NOT_UTF8 = (  # the policy loader's code for a pack it cannot read
        "pack_yaml_invalid",
        400,
        "政策包文件须为 UTF-8 编码的 YAML。",
        "A pack file must be UTF-8 YAML.",
    )
    OUTREACH_NOT_IN_PACK = (
        "outreach_not_in_pack",
        409,
        "本市正在实施的换发政策没有规定提醒轮次（提醒次数、间隔和发送速度）。",
        "The policy in force for this city sets no reminder rounds (how many, how far apart, "
        "how fast).",
    )
    OUTREACH_DISTRICT_NOT_YOURS = (
        "outreach_district_not_yours",
        403,
        "只能提醒本人负责区内的人员。",
        "You may remind people of your own district only.",
    )
    OUTREACH_GROUP_UNKNOWN = (
        "outreach_group_unknown",
        422,
        "正在实施的换发政策中没有这个人群。",
        "The policy in force has no such group.",
    )
    OUTREACH_AGE_RANGE_INVALID = (
        "outreach_age_range_invalid",
        422,
        "年龄范围无效：应为0至150岁，且起始年龄不大于截止年龄。",
        "The age range is not valid: from 0 to 150, the lower bound not above the upper.",
    )
    OUTREACH_NOBODY_TO_REMIND = (
        "outreach_nobody_to_remind",
        409,
        "按所选条件没有可以提醒的人员。",
        "Nobody the choice selects can be reminded.",
    )
    OUTREACH_ROUND_NOT_RESUMABLE = (
        "outreach_round_not_resumable",
        409,
        "只有中途停止的提醒轮次可以继续发送。",
        "Only a round that stopped part-way can be resumed.",
    )
