"""The refusals of the applications' own services, each listed once with both messages.

The engine's refusals (``applications.rules.refused``) carry the reason codes of the pack in
force and are not listed here. A message with ``{placeholders}`` is a template: the builders
below the enum fill it in (``ErrorCode.error_with``) and put the values a client matches on in
``details``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sscard.core.errors import ApplicationError, ErrorCode
from sscard.policy.schema import PhotoSource


class ApplicationsErrorCode(ErrorCode):
    """A stable code, its HTTP status and its messages in Chinese and English."""

    # --- card photos (SH-11) ------------------------------------------------------------------
    PHOTO_TOO_LARGE = (
        "photo_too_large",
        413,
        "照片文件不能超过2MB。",
        "The photo file must not be larger than 2 MB.",
    )
    PHOTO_NOT_IMAGE = (
        "photo_not_image",
        422,
        "文件不是可识别的图片。",
        "The file is not an image that can be read.",
    )
    PHOTO_FORMAT_UNSUPPORTED = (
        "photo_format_unsupported",
        422,
        "照片只能是JPEG或PNG格式。",
        "The photo must be a JPEG or a PNG.",
    )
    PHOTO_TOO_SMALL = (
        "photo_too_small",
        422,
        "照片文件过小（不足10KB），请使用清晰的照片。",
        "The photo file is too small (under 10 KB); use a clearer photo.",
    )
    PHOTO_DIMENSIONS = (
        "photo_dimensions",
        422,
        "照片尺寸应在{min_width}×{min_height}至{max_width}×{max_height}像素之间"
        "（本照片为{width}×{height}）。",
        "The photo must be between {min_width}×{min_height} and {max_width}×{max_height} "
        "pixels (this one is {width}×{height}).",
    )
    PHOTO_SOURCE_INVALID = (
        "photo_source_invalid",
        400,
        "照片来源无效。",
        "That is not a photo source.",
    )
    PHOTO_DUPLICATE = (
        "photo_duplicate",
        409,
        "该照片已用于其他人员，不能重复使用。",
        "This very photo is already on record for another person.",
    )
    PHOTO_SOURCE_UNAVAILABLE = (
        "photo_source_unavailable",
        404,
        "该来源没有此人的照片，请到社区事务受理中心现场拍照。",
        "That source has no photo of this person; have one taken at a community centre.",
    )
    PHOTO_SOURCE_NOT_OFFERED = (
        "photo_source_not_offered",
        422,
        "不能使用该照片来源（可选：{offered_zh}）。",
        "That photo source is not offered here (offered: {offered_en}).",
    )
    PHOTO_REQUIRED = (
        "photo_required",
        422,
        "没有可用的制卡照片，申请不能提交；请先上传或现场拍照。",
        "There is no usable card photo, so the application cannot be submitted; upload or "
        "take one first.",
    )
    PHOTO_NOT_USABLE = (
        "photo_not_usable",
        422,
        "制卡照片不可用（尺寸不符或文件已损坏），请重新采集。",
        "The card photo cannot be used (size out of limits or file damaged); take it again.",
    )

    # --- individual applications --------------------------------------------------------------
    ID_NUMBER_REQUIRED = (
        "id_number_required",
        422,
        "请先输入身份证件号码。",
        "Enter the ID number first.",
    )
    CHANNEL_NOT_AVAILABLE = (
        "channel_not_available",
        403,
        "您所在的网点或角色不能通过该渠道受理申请。",
        "Your outlet or role does not take applications through that channel.",
    )
    OUTLET_NOT_INSTANT = (
        "outlet_not_instant",
        422,
        "本网点不是即时制卡网点。",
        "This outlet does not make cards on the spot.",
    )
    APPLICATION_ALREADY_OPEN = (
        "application_already_open",
        409,
        "该人员已有一笔正在办理的社保卡申领，不能重复申请。",
        "This person already has an open card application; a second one is not accepted.",
    )
    CARD_ALREADY_HELD = (
        "card_already_held",
        409,
        "该人员已持有一张有效或正在制作、寄送中的{generation_zh}社会保障卡，不能再申领同代新卡；"
        "卡片遗失或损坏的，请办理补换。",
        "This person already holds a {generation_en}-generation card that is in force or on its "
        "way; another one is not issued. For a lost or damaged card, apply for a replacement.",
    )
    BANK_REQUIRED = (
        "bank_required",
        422,
        "请选择开户银行（可选：{banks}）。",
        "Choose the account bank (one of {banks}).",
    )
    PICKUP_REQUIRED = (
        "pickup_required",
        422,
        "请选择领卡方式。",
        "Choose how the card is collected.",
    )
    MAILING_ADDRESS_REQUIRED = (
        "mailing_address_required",
        422,
        "邮寄领卡须填写邮寄地址。",
        "A posted card needs a mailing address.",
    )
    BACKUP_CENTRE_INVALID = (
        "backup_centre_invalid",
        422,
        "备用社区受理网点须为社区事务受理中心。",
        "The backup centre must be a community acceptance centre.",
    )
    BACKUP_CENTRE_REQUIRED = (
        "backup_centre_required",
        422,
        "邮寄领卡须登记备用社区受理网点，投递不成功的卡将转至该网点。",
        "A posted card needs a backup community centre, where an undeliverable card goes.",
    )
    APPLICATION_NOT_OPEN = (
        "application_not_open",
        409,
        "该申请已不在办理中。",
        "That application is no longer open.",
    )
    RECEIPT_NOT_OFFERED = (
        "receipt_not_offered",
        404,
        "该申请由单位集体申领提交，没有受理回执；其书面凭证为单位集体申领表。",
        "This application was made through the employer's collective application: it has no "
        "acceptance receipt; its paper is the collective application form.",
    )

    # --- collective applications (BJ-06) ------------------------------------------------------
    COLLECTIVE_STEP_OUT_OF_ORDER = (
        "collective_step_out_of_order",
        409,
        "集体申领须按“开通集体申请—选择领卡方式和开卡银行网点—通知职工确认—统一提交”的顺序办理，"
        "当前步骤不能办理此项。",
        "A collective application goes in this order: open, choose the pickup method and "
        "outlet, notify staff, submit; this step cannot be done now.",
    )
    COLLECTIVE_ALREADY_OPEN = (
        "collective_already_open",
        409,
        "本单位已有一笔尚未提交的集体申领。",
        "This employer already has a collective application that is not yet submitted.",
    )
    OUTLET_REQUIRED = (
        "outlet_required",
        422,
        "请选择开卡银行网点。",
        "Choose the bank outlet.",
    )
    OUTLET_OTHER_BANK = (
        "outlet_other_bank",
        422,
        "所选网点不属于所选开户银行。",
        "The chosen outlet does not belong to the chosen bank.",
    )
    ROSTER_NOT_INSURED_HERE = (
        "roster_not_insured_here",
        422,
        "名单中有人员不是本单位参保职工。",
        "Someone on the list is not insured with this employer.",
    )
    ROSTER_EMPTY = (
        "roster_empty",
        422,
        "名单为空：请先从参保职工中添加或上传名单。",
        "The roster is empty: add staff from the registry or upload a list first.",
    )
    COLLECTIVE_NO_CONFIRMED_STAFF = (
        "collective_no_confirmed_staff",
        422,
        "没有已确认制卡信息的职工，不能提交。",
        "No staff member has confirmed their card data; there is nothing to submit.",
    )
    # --- rows of an uploaded roster (the error report's codes) --------------------------------
    ROSTER_DUPLICATE_IN_FILE = (
        "roster_duplicate_in_file",
        422,
        "该身份证号码在本文件中重复出现。",
        "The ID number appears more than once in this file.",
    )
    PERSON_UNKNOWN = (
        "person_unknown",
        422,
        "登记系统中没有此人。",
        "The registry has no such person.",
    )
    ROSTER_NAME_MISMATCH = (
        "roster_name_mismatch",
        422,
        "姓名与登记信息不符。",
        "The name does not match the registry.",
    )

    # --- the official calendar (BJ-11) --------------------------------------------------------
    CALENDAR_EXAMPLE_REFUSED = (
        "calendar_example_refused",
        422,
        "该文件标注为示例（example: true），不是国务院办公厅公布的{year}年放假安排，不能导入。",
        "The file is marked as an example (example: true), not the State Council's schedule "
        "for {year}; it is not loaded.",
    )
    CALENDAR_LOAD_CONCURRENT = (
        "calendar_load_concurrent",
        409,
        "{year}年的放假安排正由他人同时导入，请稍后查看状态后重试。",
        "The {year} schedule was being loaded by someone else at the same time; check the "
        "status and try again.",
    )


# --------------------------------------------------------------------------------------------
# Refusals whose messages name values
# --------------------------------------------------------------------------------------------

GENERATION_NAMES = {1: ("第一代", "first"), 2: ("第二代", "second"), 3: ("第三代", "third")}


def card_already_held(*, person_id: int, generation: int, **details: object) -> ApplicationError:
    """The person already holds a current card of this generation (issue 9, point 6)."""
    zh, en = GENERATION_NAMES.get(generation, (f"第{generation}代", f"generation-{generation}"))
    return ApplicationsErrorCode.CARD_ALREADY_HELD.error_with(
        {"generation_zh": zh, "generation_en": en},
        person_id=person_id,
        generation=generation,
        **details,
    )


def bank_required(banks: Sequence[str]) -> ApplicationError:
    """Several banks are open to the applicant and none was chosen."""
    return ApplicationsErrorCode.BANK_REQUIRED.error_with(
        {"banks": tuple(banks)}, banks=list(banks)
    )


def photo_source_not_offered(source: str, offered: Sequence[PhotoSource]) -> ApplicationError:
    """``source`` is not among the photo sources the pack ``offered``."""
    return ApplicationsErrorCode.PHOTO_SOURCE_NOT_OFFERED.error_with(
        {
            "offered_zh": [s.title_zh for s in offered],
            "offered_en": [s.title_en for s in offered],
        },
        source=source,
        offered=[s.id for s in offered],
    )


def photo_dimensions(
    width: int, height: int, *, limits: tuple[int, int, int, int]
) -> ApplicationError:
    """The image is ``width`` × ``height``, outside ``limits`` (min w, min h, max w, max h)."""
    min_width, min_height, max_width, max_height = limits
    values = {
        "min_width": min_width,
        "min_height": min_height,
        "max_width": max_width,
        "max_height": max_height,
        "width": width,
        "height": height,
    }
    return ApplicationsErrorCode.PHOTO_DIMENSIONS.error_with(values, width=width, height=height)


def calendar_example_refused(year: int) -> ApplicationError:
    """The file is an example schedule and ``allow_example`` was not given."""
    return ApplicationsErrorCode.CALENDAR_EXAMPLE_REFUSED.error_with(
        {"year": year}, field="example", year=year
    )


def calendar_load_concurrent(year: int) -> ApplicationError:
    """Two loads of a year nobody had loaded yet met; the other one won."""
    return ApplicationsErrorCode.CALENDAR_LOAD_CONCURRENT.error_with({"year": year}, year=year)
