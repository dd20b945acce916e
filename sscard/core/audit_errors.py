"""The refusals of the audit trail's own operations, each listed once with both messages."""

from __future__ import annotations

from sscard.core.errors import ErrorCode


class AuditErrorCode(ErrorCode):
    """A stable code, its HTTP status and its messages in Chinese and English."""

    KEY_INVALID = (
        "audit_key_invalid",
        500,
        "审计链密钥（SSCARD_AUDIT_KEY）必须是32字节的十六进制串。",
        "The audit chain key (SSCARD_AUDIT_KEY) must be 32 bytes in hex.",
    )
    SIGNING_KEY_INVALID = (
        "audit_signing_key_invalid",
        500,
        "审计检查点签名密钥文件不是有效的SM2私钥（PEM）。",
        "The audit checkpoint signing key file is not a valid SM2 private key (PEM).",
    )
    CHECKPOINTS_FILE_INVALID = (
        "audit_checkpoints_file_invalid",
        400,
        "检查点文件无法读取：每行须为导出的一个检查点（JSON）。",
        "The checkpoints file cannot be read: each line must be one exported checkpoint (JSON).",
    )
