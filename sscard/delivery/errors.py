"""The refusals of delivery's own services and pages, each listed once with both messages.

A message with ``{placeholders}`` is a template, raised with ``error_with`` (the values are in
``details`` as well). ``permission_denied`` and ``not_found`` are the shared ones of
``core.errors``; the ID number's own codes come from the kernel.
"""

from __future__ import annotations

from sscard.core.errors import ErrorCode


class DeliveryErrorCode(ErrorCode):
    """A stable code, its HTTP status and its messages in Chinese and English."""

    # --- dispatch (BJ-08) -------------------------------------------------------------------
    CARD_NOT_DISPATCHABLE = (
        "card_not_dispatchable",
        409,
        "该卡当场制作当场领取，无需发出。",
        "This card is made and collected in the same visit; it is not sent.",
    )
    PICKUP_OUTLET_MISSING = (
        "pickup_outlet_missing",
        409,
        "找不到该卡的领卡网点。",
        "There is no outlet to send this card to.",
    )

    # --- the post's callbacks (SH-13) -------------------------------------------------------
    POST_EVENT_KIND_INVALID = (
        "post_event_kind_invalid",
        422,
        "投递结果须为 delivered 或 failed。",
        "The event must be delivered or failed.",
    )
    TRACKING_UNKNOWN = (
        "tracking_unknown",
        404,
        "没有该邮件号的邮寄记录。",
        "No posted card has that tracking number.",
    )
    SHIPMENT_CLOSED = (
        "shipment_closed",
        409,
        "该邮件已有投递结果，不能再更改。",
        "This item already has its delivery result; it cannot change.",
    )
    REROUTE_DESTINATION_MISSING = (
        "reroute_destination_missing",
        409,
        "找不到投递失败卡片的转送网点。",
        "There is no outlet to send the undeliverable card to.",
    )

    # --- the counter: hand-over and instant replacement (BJ-11, SH-12) ----------------------
    HOLDER_ID_MISMATCH = (
        "holder_id_mismatch",
        422,
        "所出示的身份证件与持卡人不符，不能交付。",
        "The ID presented is not the cardholder's; the card is not handed over.",
    )
    HAND_OVER_CARD_CANCELLED = (
        "hand_over_card_cancelled",
        409,
        "该卡已注销（持卡人已登记死亡或转出），不能交付。",
        "This card is cancelled (its holder's death or departure is recorded); it is not handed "
        "over.",
    )
    INSTANT_OTHER_BANK = (
        "instant_other_bank",
        422,
        "本网点只能即时制作本行的社会保障卡；该卡的发卡银行为{bank}。",
        "This outlet makes its own bank's cards only; this card's bank is {bank}.",
    )
    REPLACEMENT_FORM_INVALID = (
        "replacement_form_invalid",
        422,
        "请选择补换原因和办理方式。",
        "Choose the reason and the way of the replacement.",
    )

    # --- the papers of delivery -------------------------------------------------------------
    NOTHING_DISPATCHED = (
        "nothing_dispatched",
        409,
        "批次#{batch}尚未发出任何卡片，暂无交接单。",
        "No card of batch #{batch} has been dispatched yet: there is no hand-over sheet.",
    )
