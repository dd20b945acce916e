"""The refusals of notifications' own services, each listed once with both messages.

The anti-fraud refusals of a text (BJ-13: ``message_contains_link`` …) are the kernel's
(``sscard.kernel.messages``) and pass through with its codes and messages.
"""

from __future__ import annotations

from sscard.core.errors import ErrorCode


class NotificationErrorCode(ErrorCode):
    """A stable code, its HTTP status and its messages in Chinese and English."""

    TEMPLATE_VALUE_MISSING = (
        "template_value_missing",
        400,
        "短信模板缺少取值：{key}。",
        "The message template needs a value for {key}.",
    )
    TEMPLATE_INVALID = (  # its braces are literal: raise it with .error(), never .text()
        "template_invalid",
        400,
        "短信模板格式有误：只能使用 {名称} 形式的占位符。",
        "The message template is malformed: only {name} placeholders are allowed.",
    )
    PHONE_INVALID = (
        "phone_invalid",
        400,
        "手机号码无效：应为11位中国大陆手机号码。",
        "The phone number is not valid: a mainland mobile number has 11 digits.",
    )
    REMINDERS_NOT_YOURS = (
        "reminders_not_yours",
        403,
        "只能设置本人是否接收提醒短信。",
        "You may set whether reminders are sent for yourself only.",
    )
