"""The refusals of the registry's own services, each listed once with both messages."""

from __future__ import annotations

from sscard.core.errors import ErrorCode


class RegistryErrorCode(ErrorCode):
    """A stable code, its HTTP status and its messages in Chinese and English."""

    LOOKUP_LIMIT_CLERK = (
        "lookup_limit_clerk",
        429,
        "您本小时查询他人信息的次数已达上限，请稍后再试。",
        "You have reached this hour's limit of lookups of other people's records; try again later.",
    )
    LOOKUP_LIMIT_OUTLET = (
        "lookup_limit_outlet",
        429,
        "本网点本小时查询他人信息的次数已达上限，请稍后再试。",
        "This outlet has reached this hour's limit of lookups of other people's records; "
        "try again later.",
    )
    FIELD_KEY_UNKNOWN = (
        "field_key_unknown",
        400,
        "没有该版本的字段密钥。",
        "No field key of this version is configured.",
    )
    FIELD_KEY_CURRENT = (
        "field_key_current",
        409,
        "该版本是当前写入所用的字段密钥，不能停用；请先配置更高版本并完成轮换。",
        "This is the field key new values are written under; add a newer key and rotate first.",
    )
    FIELD_KEY_IN_USE = (
        "field_key_in_use",
        409,
        "仍有数据以该版本的字段密钥加密，请先运行 sscard keys rotate。",
        "Stored values still use this field key version; run sscard keys rotate first.",
    )
