"""The refusals of the registry's own services and of the rows of its imports, each listed once
with both messages."""

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
    # A search of a person list (issue 12, point 4).
    PHONE_TAIL_INVALID = (
        "phone_tail_invalid",
        422,
        "请输入手机号码的后4位数字。",
        "Enter the last 4 digits of the mobile phone number.",
    )
    SEARCH_NAME_INVALID = (
        "search_name_invalid",
        422,
        "请输入姓名或姓名的开头（不超过64个字）。",
        "Enter a name or its beginning (at most 64 characters).",
    )
    PERSON_STATUS_UNKNOWN = (
        "person_status_unknown",
        422,
        "没有这种办卡状态可供筛选。",
        "There is no such card or application status to filter by.",
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

    # Rows of an import of persons, employers or schools (the report names the column).
    NAME_INVALID = (  # also an outlet's (network) and an API token's (portal)
        "name_invalid",
        422,
        "名称（或地址）为空、过长或含有不允许的字符。",
        "The name (or address) is empty, too long or holds characters it may not.",
    )
    NAME_CONTAINS_LINK = (
        "name_contains_link",
        422,
        "名称中含有网址或类似网址的文字，短信无法携带，请更正。",
        "The name holds a web address or text like one, which no text message may carry; "
        "correct it.",
    )
    NAME_CONTAINS_REQUEST = (
        "name_contains_request",
        422,
        "名称中含有索要账号、密码或验证码的文字，短信无法携带，请更正。",
        "The name holds words asking for an account number, password or code, which no text "
        "message may carry; correct it.",
    )
    DISTRICT_UNKNOWN = (
        "district_unknown",
        422,
        "区县代码不是本系统登记的现行区县。",
        "The district is not a current district known to sscard.",
    )
    REGION_UNKNOWN = (
        "region_unknown",
        422,
        "地区代码不存在，或不是本系统登记的现行区县。",
        "The region code does not exist, or is not a current district known to sscard.",
    )
    BANK_CODE_INVALID = (
        "bank_code_invalid",
        422,
        "银行代码格式不正确（多个代码用英文分号分隔）。",
        "A bank code is malformed (separate several codes with ';').",
    )
    CATEGORY_INVALID = (
        "category_invalid",
        422,
        "人员类别不正确。",
        "The category must be one of: {categories}.",
    )
    EMPLOYER_UNKNOWN = (
        "employer_unknown",
        422,
        "该统一社会信用代码的单位未登记，请先导入单位。",
        "No employer with this credit code is registered; import employers first.",
    )
    EMPLOYER_REQUIRED = (
        "employer_required",
        422,
        "在职人员须填写参保单位的统一社会信用代码。",
        "In-service staff need their employer's credit code.",
    )
    SCHOOL_UNKNOWN = (
        "school_unknown",
        422,
        "该学校未登记，请先导入学校。",
        "No school with this code is registered; import schools first.",
    )
    GUARDIAN_UNKNOWN = (
        "guardian_unknown",
        422,
        "监护人须已登记，或在同一文件中更早出现。",
        "The guardian must be registered already or appear earlier in the file.",
    )
    ADDRESS_TOO_LONG = ("address_too_long", 422, "地址过长。", "The address is too long.")
    SCHOOL_CODE_INVALID = (
        "school_code_invalid",
        422,
        "学校标识码应为10位数字。",
        "The school code must be 10 digits.",
    )
    SCHOOL_KIND_INVALID = (
        "school_kind_invalid",
        422,
        "学校类型应为：{kinds}。",
        "The school kind must be one of: {kinds}.",
    )
    NOTIFIED_ON_INVALID = (
        "notified_on_invalid",
        422,
        "通知日期应为 YYYY-MM-DD 格式的日期。",
        "The notice date must be a date written YYYY-MM-DD.",
    )
    NOTIFIED_ON_IN_FUTURE = (
        "notified_on_in_future",
        422,
        "通知日期不能晚于今天。",
        "The notice date cannot be later than today.",
    )
    ID_NUMBER_DUPLICATE_IN_FILE = (
        "id_number_duplicate_in_file",
        422,
        "身份证件号码在本文件中重复出现，已导入第一次出现的行。",
        "The identity number appears more than once in this file; its first row was imported.",
    )
    ID_NUMBER_EXISTS = (
        "id_number_exists",
        422,
        "身份证件号码已在系统中登记且内容不同；修改已有记录请走变更流程。",
        "The identity number is already registered with other data; change it through an update.",
    )
    CREDIT_CODE_DUPLICATE_IN_FILE = (
        "credit_code_duplicate_in_file",
        422,
        "统一社会信用代码在本文件中重复出现，已导入第一次出现的行。",
        "The credit code appears more than once in this file; its first row was imported.",
    )
    CREDIT_CODE_EXISTS = (
        "credit_code_exists",
        422,
        "统一社会信用代码已在系统中登记且内容不同；修改已有记录请走变更流程。",
        "The credit code is already registered with other data; change it through an update.",
    )
    SCHOOL_CODE_DUPLICATE_IN_FILE = (
        "school_code_duplicate_in_file",
        422,
        "学校标识码在本文件中重复出现，已导入第一次出现的行。",
        "The school code appears more than once in this file; its first row was imported.",
    )
    SCHOOL_CODE_EXISTS = (
        "school_code_exists",
        422,
        "学校标识码已在系统中登记且内容不同；修改已有记录请走变更流程。",
        "The school code is already registered with other data; change it through an update.",
    )

    # Corrections of a person (issue 15, point 1).
    CORRECTION_REASON_REQUIRED = (
        "correction_reason_required",
        422,
        "请填写更正原因。",
        "Give the reason for the correction.",
    )
    CORRECTION_NO_CHANGE = (
        "correction_no_change",
        422,
        "提交的内容与现有登记信息相同，没有需要更正的内容。",
        "Nothing differs from the record as it stands: there is nothing to correct.",
    )
    CORRECTION_FIELD_UNKNOWN = (
        "correction_field_unknown",
        422,
        "该项信息不能通过更正修改。",
        "This item cannot be changed by a correction.",
    )
    CORRECTION_STALE = (
        "correction_stale",
        409,
        "该人员的身份信息在提交更正后已发生变化，请重新提交更正。",
        "The person's identity data changed after this correction was proposed; propose it again.",
    )
    PERSON_ID_NUMBER_TAKEN = (
        "person_id_number_taken",
        409,
        "该身份证件号码已登记在其他人员名下（或为其他人员的曾用号码），不能更正为该号码。",
        "This ID number is registered to another person (or is another person's former number); "
        "it cannot be corrected to it.",
    )
    BIRTH_DATE_INVALID = (
        "birth_date_invalid",
        422,
        "出生日期应为 YYYY-MM-DD 格式的日期。",
        "The birth date must be a date written YYYY-MM-DD.",
    )
    BIRTH_DATE_IN_FUTURE = (
        "birth_date_in_future",
        422,
        "出生日期不能晚于今天。",
        "The birth date cannot be later than today.",
    )
    SEX_INVALID = ("sex_invalid", 422, "性别应为男或女。", "The sex must be male or female.")
    UPDATE_PERSON_UNKNOWN = (
        "update_person_unknown",
        422,
        "您的辖区内没有该身份证件号码的人员（批量变更只修改已登记的人员）。",
        "No person with this ID number is registered in your area (an update changes "
        "registered persons only).",
    )
    UPDATES_NOT_AWAITING = (
        "person_updates_not_awaiting",
        409,
        "该批量变更已确认或已放弃，不再等待确认。",
        "This update file has already been confirmed or discarded; it no longer awaits "
        "confirmation.",
    )
