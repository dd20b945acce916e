"""The refusals of the rows of an outlets import, each listed once with both messages.

A name or address that will not do and a district the registry does not know are the
registry's own refusals (``name_invalid``, ``district_unknown``).
"""

from __future__ import annotations

from sscard.core.errors import ErrorCode


class NetworkErrorCode(ErrorCode):
    """A stable code, its HTTP status and its messages in Chinese and English."""

    OUTLET_CODE_INVALID = (
        "outlet_code_invalid",
        422,
        "网点编码只能含字母、数字、-和_，最长32位。",
        "The outlet code may hold letters, digits, - and _, up to 32.",
    )
    OUTLET_KIND_INVALID = (
        "outlet_kind_invalid",
        422,
        "网点类型不正确。",
        "The outlet kind must be one of: {kinds}.",
    )
    BANK_UNKNOWN = (
        "bank_unknown",
        422,
        "银行网点须填写已登记的银行代码。",
        "A bank outlet needs the code of a registered bank.",
    )
    BANK_NOT_ALLOWED = (
        "bank_not_allowed",
        422,
        "社区事务受理中心不属于银行，银行代码应为空。",
        "A community centre belongs to no bank; leave the bank code empty.",
    )
    BOOLEAN_INVALID = (
        "boolean_invalid",
        422,
        "即时制卡应填 1 或 0。",
        "instant_issuance must be 1 or 0.",
    )
    OUTLET_CODE_DUPLICATE_IN_FILE = (
        "outlet_code_duplicate_in_file",
        422,
        "网点编码在本文件中重复出现，已导入第一次出现的行。",
        "The outlet code appears more than once in this file; its first row was imported.",
    )
    OUTLET_CODE_EXISTS = (
        "outlet_code_exists",
        422,
        "网点编码已在系统中登记且内容不同；修改已有记录请走变更流程。",
        "The outlet code is already registered with other data; change it through an update.",
    )

    # The rows of a relying parties file (SH-03): hospitals, pharmacies and terminals.
    RELYING_PARTY_CODE_INVALID = (
        "relying_party_code_invalid",
        422,
        "用卡机构编码只能含字母、数字、-和_，最长32位。",
        "The relying party code may hold letters, digits, - and _, up to 32.",
    )
    RELYING_PARTY_KIND_INVALID = (
        "relying_party_kind_invalid",
        422,
        "用卡机构类型不正确，应为：{kinds}。",
        "The relying party kind must be one of: {kinds}.",
    )
    RELYING_PARTY_DISTRICT_NOT_YOURS = (
        "relying_party_district_not_yours",
        422,
        "该区不在您的管辖范围内。",
        "This district is outside the area you work for.",
    )
    CONTACT_INVALID = (
        "contact_invalid",
        422,
        "联系方式最长100个字符。",
        "The contact may be up to 100 characters.",
    )
    RELYING_PARTY_CODE_DUPLICATE_IN_FILE = (
        "relying_party_code_duplicate_in_file",
        422,
        "用卡机构编码在本文件中重复出现。",
        "The relying party code appears more than once in this file.",
    )
    RELYING_PARTY_CODE_EXISTS = (
        "relying_party_code_exists",
        422,
        "用卡机构编码已登记且内容不同；修改已有机构请走变更流程。",
        "The relying party code is already registered with other data; change it through an "
        "update.",
    )
    RELYING_PARTY_ACCOUNT_TAKEN = (
        "relying_party_account_taken",
        422,
        "该机构的接口账号名已被其他账号使用。",
        "The API account name of this party is taken by another account.",
    )
