"""The refusals of the cards' own services and predicates, each listed once with both messages.

A few messages name where to go instead (the pack's activation paths, the issuing bank): the
catalogue lists their template, with one placeholder per language (a bank's Chinese and English
names differ), and they are raised with ``error_with``. The refusals of the policy engine
(``applications.rules.refused``) are the packs' and are not listed here.
"""

from __future__ import annotations

from sscard.core.errors import ErrorCode


class CardsErrorCode(ErrorCode):
    """A stable code, its HTTP status and its messages in Chinese and English."""

    # Ordering cards (an application no longer open is the applications' refusal)
    CARD_PACK_UNKNOWN = (
        "card_pack_unknown",
        422,
        "找不到该申请所依据的政策包。",
        "The policy pack the application was decided under is not known.",
    )
    CARD_GENERATION_UNKNOWN = (
        "card_generation_unknown",
        422,
        "政策包中没有该申请的卡代次。",
        "The pack does not issue the card generation of this application.",
    )
    CARD_VALIDITY_UNKNOWN = (
        "card_validity_unknown",
        422,
        "政策包未规定该代卡的有效期。",
        "The pack gives no validity for this card generation.",
    )

    # Enabling the social-security function (BJ-08, BJ-10, SH-16)
    CARD_NOT_HANDED_OVER = (
        "card_not_handed_over",
        409,
        "该卡尚未交到持卡人手中，不能启用。",
        "The card has not been handed to its holder yet and cannot be enabled.",
    )
    CARD_NOT_ENABLEABLE = (
        "card_not_enableable",
        409,
        "该卡的社保功能不能启用。",
        "The social-security function of this card cannot be enabled.",
    )
    ENABLE_PATH_NOT_ALLOWED = (
        "enable_path_not_allowed",
        422,
        "该卡的社会保障功能须通过以下方式启用：{paths_zh}。",
        "This card's social-security function is enabled {paths_en}.",
    )

    # The financial function (BJ-08)
    FINANCIAL_ACTIVATION_PATH = (
        "financial_activation_path",
        422,
        "该卡的金融功能须通过以下方式激活：{paths_zh}。",
        "This card's financial function is activated {paths_en}.",
    )
    FINANCIAL_ACTIVATION_ONLINE_REFUSED = (
        "financial_activation_online_refused",
        422,
        "金融功能不能在线上激活，请持卡到发卡银行任一服务网点办理。",
        "The financial function cannot be activated online; take the card to any outlet "
        "of the issuing bank.",
    )
    FINANCIAL_ACTIVATION_WRONG_BANK = (
        "financial_activation_wrong_bank",
        422,
        "金融功能只能在发卡银行（{bank_zh}）的服务网点办理。",
        "The financial function is handled only at an outlet of the issuing bank ({bank_en}).",
    )
    FINANCIAL_NOT_ACTIVATABLE = (
        "financial_not_activatable",
        409,
        "该卡的金融功能不能激活。",
        "The financial function of this card cannot be activated.",
    )
    FINANCIAL_NOT_ACTIVE = (
        "financial_not_active",
        409,
        "该卡的金融功能未激活，无需注销。",
        "The card's financial function is not active; there is nothing to close.",
    )

    # Loss reports (挂失, SH-18)
    LOSS_CHANNEL_NOT_OFFERED = (
        "loss_channel_not_offered",
        422,
        "不受理该方式的挂失。",
        "Loss reports are not taken that way.",
    )
    LOSS_FORMAL_NOT_HERE = (
        "loss_formal_not_here",
        422,
        "正式挂失须到柜台办理。",
        "A formal loss report is taken only at a counter.",
    )
    CARD_NOT_REPORTABLE = (
        "card_not_reportable",
        409,
        "该卡已失效，无需挂失。",
        "This card is no longer in use; there is nothing to report.",
    )
    LOSS_ALREADY_REPORTED = (
        "loss_already_reported",
        409,
        "该卡已挂失。",
        "This card has already been reported lost.",
    )
    LOSS_NOT_REPORTED = (
        "loss_not_reported",
        409,
        "该卡没有有效的挂失。",
        "This card has no standing loss report.",
    )
    LOSS_WITHDRAW_AFTER_REPLACEMENT = (
        "loss_withdraw_after_replacement",
        409,
        "已申请补换新卡，挂失不能撤销。",
        "A replacement has been applied for; the loss report can no longer be withdrawn.",
    )

    # Replacement (补换, BJ-11, SH-12, SH-18)
    REPLACEMENT_REASON_INVALID = (
        "replacement_reason_invalid",
        422,
        "补换原因须为遗失或损坏。",
        "A replacement is for a lost or a damaged card.",
    )
    CARD_NOT_REPLACEABLE = (
        "card_not_replaceable",
        409,
        "该卡已失效，不能补换。",
        "This card is no longer in use and cannot be replaced.",
    )
    CARD_NOT_IN_HOLDERS_HANDS = (
        "card_not_in_holders_hands",
        409,
        "该卡尚未交到持卡人手中，不能挂失或补换。",
        "The card has not been handed to its holder yet; it cannot be reported lost or replaced.",
    )
    REPLACEMENT_ALREADY_APPLIED = (
        "replacement_already_applied",
        409,
        "该卡已申请补换，不能重复申请。",
        "A replacement of this card has been applied for already.",
    )

    # At a counter
    ID_NUMBER_REQUIRED = (
        "id_number_required",
        422,
        "请先输入身份证件号码。",
        "Enter the ID number first.",
    )

    # The service password reset at a counter (社保卡密码重置; the pack's ``password_reset``)
    PASSWORD_RESET_NOT_OFFERED = (
        "password_reset_not_offered",
        422,
        "本市现行政策未规定在柜台重置社会保障卡密码。",
        "The policy in force does not provide for resetting the card's password at a counter.",
    )
    PASSWORD_RESET_OUTLET_KIND = (
        "password_reset_outlet_kind",
        422,
        "社会保障卡密码须到{where_zh}重置，本网点不办理。",
        "The card's password is reset at {where_en}, not at this outlet.",
    )
    PASSWORD_RESET_CARD_CANCELLED = (
        "password_reset_card_cancelled",
        409,
        "该卡已注销或已被新卡取代，不能重置密码。",
        "This card is cancelled or replaced by a newer card; its password cannot be reset.",
    )
    PASSWORD_RESET_CARD_STATE = (
        "password_reset_card_state",
        409,
        "该卡当前的状态不能重置密码（可能刚刚挂失、已过期或尚未启用），请重新查询持卡人后再办理。",
        "The card's state does not allow a password reset now (it may just have been reported "
        "lost, have expired or not be enabled yet); look the holder up again.",
    )
    PASSWORD_RESET_ID_MISMATCH = (
        "password_reset_id_mismatch",
        422,
        "所出示的身份证件与持卡人不符，不能重置密码。",
        "The ID presented is not the cardholder's; the password is not reset.",
    )
    PASSWORD_RESET_PROXY_REFUSED = (
        "password_reset_proxy_refused",
        422,
        "社会保障卡密码须由持卡人本人（未成年人可由其监护人）持本人身份证件办理，不能代办。",
        "The password is reset by the holder in person (or a minor's guardian) with their own "
        "ID; nobody else may do it for them.",
    )
    PASSWORD_NOT_ACCEPTED = (
        "password_not_accepted",
        422,
        "本平台不接收任何密码：新密码由持卡人在银行密码键盘上自行输入。请勿发送密码、PIN或PIN块。",
        "sscard never takes a password: the holder keys the new one on the bank's PIN pad. "
        "Send no password, PIN or PIN block.",
    )

    # The card scheme's certificate authorities (raised by ``cards.services.authority``)
    AUTHORITY_INVALID = (
        "authority_invalid",
        500,
        "该证书机构不是发卡CA。",
        "That certificate authority is not an issuing CA.",
    )

    # Verification and card authentication (卡片认证)
    VERIFY_INPUT = (
        "verify_input",
        422,
        "请提供卡号或读卡信息其中之一。",
        "Send either a card number or a reader string, not both.",
    )
    CHALLENGE_USED = (
        "challenge_used",
        409,
        "该挑战已被应答过，请重新发起。",
        "This challenge has been answered already; ask for a new one.",
    )
    CHALLENGE_EXPIRED = (
        "challenge_expired",
        409,
        "该挑战已过期，请重新发起。",
        "This challenge has expired; ask for a new one.",
    )
    SIGNATURE_ENCODING = (
        "signature_encoding",
        422,
        "签名须为Base64编码。",
        "The signature must be base64.",
    )

    # The legacy-cards import (cards.legacy): one row of the legacy system's export refused
    LEGACY_ID_NUMBER_INVALID = (
        "legacy_id_number_invalid",
        422,
        "持卡人身份证件号码格式不对。",
        "The holder's identity number is malformed.",
    )
    LEGACY_HOLDER_UNKNOWN = (
        "legacy_holder_unknown",
        422,
        "持卡人未在系统中登记，请先导入人员信息。",
        "The holder is not in the registry; import the person first.",
    )
    LEGACY_CARD_NUMBER_INVALID = (
        "legacy_card_number_invalid",
        422,
        "卡号应为9位：1位大写字母、7位数字和1位校验位。",
        "A card number has 9 characters: a capital letter, seven digits and a check digit.",
    )
    LEGACY_CARD_ID_CODE_INVALID = (
        "legacy_card_id_code_invalid",
        422,
        "卡识别码应为32位：6位区划代码、D156000005和16位十六进制数。",
        "A card identification code has 32 characters: a 6-digit region code, D156000005 "
        "and 16 hexadecimal digits.",
    )
    LEGACY_GENERATION_UNKNOWN = (
        "legacy_generation_unknown",
        422,
        "卡代次应为1、2或3。",
        "The card generation must be 1, 2 or 3.",
    )
    LEGACY_BANK_UNKNOWN = (
        "legacy_bank_unknown",
        422,
        "发卡银行不在银行名录中。",
        "The issuing bank is not in the list of banks.",
    )
    LEGACY_DATE_INVALID = (
        "legacy_date_invalid",
        422,
        "日期格式不对，应为YYYY-MM-DD或YYYYMMDD。",
        "The date is malformed; YYYY-MM-DD or YYYYMMDD is expected.",
    )
    LEGACY_VALID_UNTIL_BEFORE_ISSUED_ON = (
        "legacy_valid_until_before_issued_on",
        422,
        "卡有效期早于发卡日期。",
        "The card expires before the day it was issued.",
    )
    LEGACY_STATE_UNKNOWN = (
        "legacy_state_unknown",
        422,
        "卡状态应为：{states}。",
        "The card state must be one of: {states}.",
    )
    LEGACY_FINANCIAL_STATE_UNKNOWN = (
        "legacy_financial_state_unknown",
        422,
        "金融状态应为：{states}（可不填）。",
        "The financial state must be one of: {states} (or empty).",
    )
    LEGACY_BLOCKED_UNTIL_UNEXPECTED = (
        "legacy_blocked_until_unexpected",
        422,
        "只有临时挂失的卡才有挂失截止日期。",
        "Only a card under a temporary loss report has a date its block ends.",
    )
    LEGACY_CARD_NUMBER_DUPLICATE_IN_FILE = (
        "legacy_card_number_duplicate_in_file",
        422,
        "卡号与本文件第{first_row}行重复，已导入第{first_row}行。",
        "The card number repeats row {first_row} of this file; row {first_row} was imported.",
    )
    LEGACY_CARD_ID_CODE_DUPLICATE_IN_FILE = (
        "legacy_card_id_code_duplicate_in_file",
        422,
        "卡识别码与本文件第{first_row}行重复，已导入第{first_row}行。",
        "The card identification code repeats row {first_row} of this file; row {first_row} "
        "was imported.",
    )
    LEGACY_CARD_NUMBER_EXISTS = (
        "legacy_card_number_exists",
        422,
        "该卡号已在系统中登记且内容不同。",
        "The card number is already registered with other data.",
    )
    LEGACY_CARD_ID_CODE_EXISTS = (
        "legacy_card_id_code_exists",
        422,
        "该卡识别码已属于系统中的另一张卡。",
        "The card identification code already belongs to another card.",
    )
    LEGACY_HOLDER_TWO_CARDS_IN_FORCE = (
        "legacy_holder_two_cards_in_force",
        422,
        "持卡人在本文件第{first_row}行已有一张有效的卡（同一代次只能有一张，启用的卡只能有一张）。",
        "The holder already has a card in force on row {first_row} of this file (one per "
        "generation, and one enabled card).",
    )
    LEGACY_HOLDER_CARD_IN_FORCE = (
        "legacy_holder_card_in_force",
        422,
        "持卡人在系统中已有一张有效的卡（同一代次只能有一张，启用的卡只能有一张）。",
        "The holder already has a card in force in the system (one per generation, and one "
        "enabled card).",
    )

    # Expiry and renewal (到期换卡, issue 15 point 4)
    RENEWAL_NOT_OFFERED = (
        "renewal_not_offered",
        409,
        "现行政策包未规定到期换卡。",
        "The policy pack in force sets no renewal of cards.",
    )
    RENEWAL_NOT_DUE = (
        "renewal_not_due",
        409,
        "该卡尚未到换卡时间：到期前{days}天起可办理到期换卡。",
        "This card is not due for renewal yet: it can be renewed from {days} days before it "
        "runs out.",
    )
    CARD_NOT_RENEWABLE = (
        "card_not_renewable",
        409,
        "该卡已注销、已被替换或尚未交到持卡人手中，不能办理到期换卡。",
        "This card is cancelled, replaced or not yet in its holder's hands; it cannot be renewed.",
    )
    RENEWAL_ALREADY_APPLIED = (
        "renewal_already_applied",
        409,
        "该卡已申请换卡或补换。",
        "A renewal or replacement of this card has been applied for already.",
    )
    RENEWAL_CHANNEL_NOT_OFFERED = (
        "renewal_channel_not_offered",
        422,
        "该渠道不受理到期换卡。",
        "Renewals are not taken on this channel.",
    )

    # Certificate revocation, the CRL and mass actions (issue 15 point 5)
    CRL_NO_AUTHORITY = (
        "crl_no_authority",
        404,
        "尚无发卡CA，没有可发布的证书吊销列表。",
        "There is no issuing CA yet, so there is no revocation list to publish.",
    )
    MASS_ACTION_UNKNOWN = (
        "mass_action_unknown",
        422,
        "批量处理的操作无效：须为挂失冻结、注销、吊销证书或启用社保功能。",
        "The mass action is not valid: it must block, cancel, revoke certificates or enable.",
    )
    MASS_SELECTION_INVALID = (
        "mass_selection_invalid",
        422,
        "批量处理的选卡条件无效（批次、卡号区间、制卡文件、卡号清单或单位）。",
        "The selection of cards is not valid (batch, range of card numbers, card-factory "
        "file, list of card numbers or employer).",
    )
    MASS_SELECTION_EMPTY = (
        "mass_selection_empty",
        422,
        "按该条件没有选中任何卡。",
        "No card matches this selection.",
    )
    MASS_SELECTION_TOO_LARGE = (
        "mass_selection_too_large",
        422,
        "一次批量处理最多{limit}张卡，请缩小范围。",
        "A mass action takes at most {limit} cards; narrow the selection.",
    )
    MASS_OUT_OF_SCOPE = (
        "mass_action_out_of_scope",
        403,
        "所选的卡中有{count}张不在您的辖区内，不能批量处理。",
        "{count} of the selected cards are outside your area; the mass action is refused.",
    )
    MASS_REVOCATION_REASON = (
        "mass_revocation_reason_invalid",
        422,
        "吊销原因无效。",
        "The revocation reason is not valid.",
    )
