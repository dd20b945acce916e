"""The shared error shape of the kernel."""

from __future__ import annotations

import pytest

from sscard.kernel.errors import KernelError


def test_a_kernel_error_carries_code_messages_and_details() -> None:
    # given an error with details
    details = {"row": 7}
    error = KernelError("some_code", "中文说明", "English text", details)
    # then
    assert error.code == "some_code"
    assert error.message_zh == "中文说明"
    assert error.message_en == "English text"
    assert error.details == {"row": 7}
    assert error.details is not details  # a copy: the caller's dict stays theirs
    assert str(error) == "some_code: English text"
    assert "some_code" in repr(error)


def test_details_default_to_an_empty_dict_and_errors_raise() -> None:
    with pytest.raises(KernelError) as caught:
        raise KernelError("x", "甲", "a")
    assert caught.value.details == {}
