"""The refusals of booked time slots (错峰, SH-10), each listed once with both messages.

A year whose official holiday schedule is not loaded is the calendar's own refusal
(``calendar_not_covered``): capacity is published on working days only, never guessed.
"""

from __future__ import annotations

from sscard.core.errors import ErrorCode


class BookingErrorCode(ErrorCode):
    """A stable code, its HTTP status and its messages in Chinese and English."""

    SLOT_FULL = (
        "slot_full",
        409,
        "该时段已约满，请从下列有空位的时段中选择。",
        "This time slot is fully booked; choose one of the free slots offered.",
    )
    SLOT_IN_PAST = (
        "slot_in_past",
        409,
        "该时段已经开始或已过，不能再预约。",
        "This time slot has begun or is over; it can no longer be booked.",
    )
    SLOT_CLOSED = (
        "slot_closed",
        409,
        "该网点当天这一时段不接待预约。",
        "The outlet takes no bookings in this time slot on that day.",
    )
    SLOT_OTHER_OUTLET = (
        "slot_other_outlet",
        403,
        "您只能管理本网点的时段和预约。",
        "You may manage only your own outlet's time slots and bookings.",
    )
    SLOT_OTHER_CITY = (
        "slot_other_city",
        409,
        "这个网点既不在此人参保所在城市，也不在其户籍所在城市，不能在此预约。",
        "This outlet is in neither the city where the person is insured nor the one where "
        "they are registered: it cannot be booked for them.",
    )
    BOOKING_EXISTS = (
        "booking_exists",
        409,
        "该人员已有同一事项的有效预约；请改约，或先取消原预约。",
        "This person already holds a booking for the same purpose; move it, or cancel it first.",
    )
    BOOKING_NOT_ACTIVE = (
        "booking_not_active",
        409,
        "该预约已取消或已到访，不能再改动。",
        "This booking is cancelled or attended; it can no longer be changed.",
    )
    BOOKING_IN_PAST = (
        "booking_in_past",
        409,
        "预约时段已经开始或已过，不能再改约或取消。",
        "The booked time slot has begun or is over; the booking can no longer be moved or "
        "cancelled.",
    )
    BOOKING_SAME_SLOT = (
        "booking_same_slot",
        409,
        "新时段与原预约的时段相同。",
        "The new time slot is the one already booked.",
    )
    BOOKING_NOT_TODAY = (
        "booking_not_today",
        409,
        "只能在预约当天登记到访。",
        "A visit is recorded on the day of the booking only.",
    )
    ID_NUMBER_REQUIRED = (
        "booking_id_number_required",
        422,
        "请填写预约人的身份证件号码。",
        "Enter the ID number of the person the booking is for.",
    )
    CAPACITY_BELOW_BOOKED = (
        "capacity_below_booked",
        409,
        "{day} {time} 已有{booked}人预约，容量不能少于该人数。",
        "{booked} are already booked on {day} at {time}; the capacity cannot be less.",
    )
    CAPACITY_INVALID = (
        "capacity_invalid",
        422,
        "容量须为0到{most}之间的整数（0表示不开放）。",
        "A capacity is a whole number from 0 to {most} (0: closed).",
    )
    SLOT_TIME_INVALID = (
        "slot_time_invalid",
        422,
        "时段须写作“09:00-10:00”，开始早于结束。",
        "Write a time slot as “09:00-10:00”, its start before its end.",
    )
    SLOT_OVERLAP = (
        "slot_overlap",
        422,
        "同一天的时段不能重叠：{time}。",
        "Time slots of one day may not overlap: {time}.",
    )
    SLOT_RANGE_INVALID = (
        "slot_range_invalid",
        422,
        "日期范围不正确：开始日期不早于今天，结束日期不早于开始日期，最长{days}天。",
        "The dates will not do: from today on, the end not before the start, {days} days at most.",
    )
    SLOT_TEMPLATE_EMPTY = (
        "slot_template_empty",
        422,
        "请至少填写一个时段及其容量。",
        "Give at least one time slot and its capacity.",
    )
    LOAD_WEEKS_INVALID = (
        "load_weeks_invalid",
        422,
        "周数须在1到{most}之间。",
        "The number of weeks is from 1 to {most}.",
    )
    PURPOSE_INVALID = (
        "booking_purpose_invalid",
        422,
        "预约事项须为申领、领卡或补换卡之一。",
        "The purpose of a booking is applying, collecting or replacing a card.",
    )
