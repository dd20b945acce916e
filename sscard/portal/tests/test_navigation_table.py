# ruff: noqa: E501  (one link a line: the pinned tables read as the home pages do)
"""Each role's links, pinned: what ``actions_for`` answered when it was still an ``if`` chain.

The navigation became a table (issue 11, point 5); these are the links the chain gave every role,
with and without an employer and staff rights, in both languages, in order. The table must give
exactly these.
"""

from __future__ import annotations

import inspect

import pytest
from django.utils import translation

from sscard.core.actors import Actor, Role
from sscard.portal import navigation
from sscard.portal.navigation import NAVIGATION, actions_for

Link = tuple[str, str, str, bool]

# fmt: off
ENGLISH: dict[tuple[str, int | None], list[Link]] = {
    ("city_officer", None): [
        ("/persons/", "Persons", "Browse and export everyone in the city's registry, masked, by category and district.", True),
        ("/employers/", "Employers", "Insured employers and their staff.", True),
        ("/departures/", "Deaths and departures", "Deaths, emigrations and transfers out recorded: the persons' cards cancelled, their applications withdrawn, no more texts. Filter and export.", False),
        ("/counter/", "Find by ID number", "Find one person in your scope by their full ID number.", False),
        ("/campaigns/", "Campaigns", "The policy pack in force, its phases on a timeline, and who is eligible.", True),
        ("/campaigns/schools/", "Schools and their notices", "Record a school's notice, or a whole district's; parents may then apply.", False),
        ("/campaigns/outreach/", "Reminder rounds", "Remind eligible people who have not applied, by group, district, employer and age; preview the count, send, and follow each round's conversion.", False),
        ("/reports/overdue/", "Overdue cards and backlog", "Cards not made in time per bank, outlet and district; the cards in the making.", True),
        ("/cards/expiring/", "Cards running out", "Cards that run out within the notice period, whether their holders were told and renewed; tell them; export.", False),
        ("/reports/statistics/", "Statistics", "Applications by channel, group, district, bank and employer, and cards ordered, made, issued and enabled, as they stood on any day; daily and weekly charts.", True),
        ("/reports/funnel/", "Campaign funnel", "From eligible to the old card void: how many reached each step by any day, the share of the step before, and the median days between steps.", False),
        ("/reports/verification-traffic/", "Verification traffic", "How often hospitals, pharmacies and terminals verified cards, by kind, district and answer; how many are live against the network the notice names.", False),
        ("/relying-parties/", "Relying parties", "Hospitals, pharmacies and terminals that verify cards; onboard them in bulk from a file, each with its own API token.", False),
        ("/reports/calendar/", "Working-day calendar", "Which years the official holiday calendar covers; load next year's schedule.", False),
        ("/outbox/", "SMS outbox", "Every text message sent or waiting, with its status; phones masked.", False),
        ("/approvals/", "Changes awaiting approval", "Changes another officer proposed that need your approval, and your own.", False),
        ("/cards/mass-actions/", "Mass actions on cards", "Block, cancel, revoke or enable a batch, a range or a list of cards, with approval.", False),
        ("/reports/audit/", "Audit trail", "Who did what, when and why: search by person, card, actor and action; export.", False),
        ("/bookings/capacity/", "Time slots", "Publish an outlet's places per day and time slot, on working days, to spread visits.", False),
        ("/bookings/load/", "Outlet load", "Booked places against capacity per outlet and day for the coming weeks.", False),
        ("/imports/", "Bulk imports", "Upload persons, employers, schools or outlets (CSV or XLSX) and read the result.", True),
        ("/outlets/", "Service outlets", "Bank branches and community centres where cards are applied for and collected.", True),
        ("/tokens/", "API tokens", "Issue and revoke bearer tokens for your systems; the API is described at /api/v1/docs.", False),
    ],
    ("district_officer", None): [
        ("/persons/", "Persons", "Browse and export persons insured or registered in your district, masked, by category and district.", True),
        ("/employers/", "Employers", "Insured employers and their staff.", True),
        ("/departures/", "Deaths and departures", "Deaths, emigrations and transfers out recorded: the persons' cards cancelled, their applications withdrawn, no more texts. Filter and export.", False),
        ("/counter/", "Find by ID number", "Find one person in your scope by their full ID number.", False),
        ("/campaigns/", "Campaigns", "The policy pack in force, its phases on a timeline, and who is eligible.", True),
        ("/campaigns/schools/", "Schools and their notices", "Record a school's notice, or a whole district's; parents may then apply.", False),
        ("/campaigns/outreach/", "Reminder rounds", "Remind eligible people who have not applied, by group, district, employer and age; preview the count, send, and follow each round's conversion.", False),
        ("/reports/overdue/", "Overdue cards and backlog", "Cards not made in time per bank, outlet and district; the cards in the making.", True),
        ("/cards/expiring/", "Cards running out", "Cards that run out within the notice period, whether their holders were told and renewed; tell them; export.", False),
        ("/reports/statistics/", "Statistics", "Applications by channel, group, district, bank and employer, and cards ordered, made, issued and enabled, as they stood on any day; daily and weekly charts.", True),
        ("/reports/funnel/", "Campaign funnel", "From eligible to the old card void: how many reached each step by any day, the share of the step before, and the median days between steps.", False),
        ("/reports/verification-traffic/", "Verification traffic", "How often hospitals, pharmacies and terminals verified cards, by kind, district and answer; how many are live against the network the notice names.", False),
        ("/relying-parties/", "Relying parties", "Hospitals, pharmacies and terminals that verify cards; onboard them in bulk from a file, each with its own API token.", False),
        ("/approvals/", "Changes awaiting approval", "Changes another officer proposed that need your approval, and your own.", False),
        ("/cards/mass-actions/", "Mass actions on cards", "Block, cancel, revoke or enable a batch, a range or a list of cards, with approval.", False),
        ("/bookings/capacity/", "Time slots", "Publish an outlet's places per day and time slot, on working days, to spread visits.", False),
        ("/bookings/load/", "Outlet load", "Booked places against capacity per outlet and day for the coming weeks.", False),
        ("/outlets/", "Service outlets", "Bank branches and community centres where cards are applied for and collected.", True),
        ("/tokens/", "API tokens", "Issue and revoke bearer tokens for your systems; the API is described at /api/v1/docs.", False),
    ],
    ("employer_hr", None): [
        ("/collective/", "Collective application", "Open a collective application, choose pickup and bank, invite staff to confirm, submit.", True),
        ("/counter/", "Find by ID number", "Find one person in your scope by their full ID number.", False),
        ("/outlets/", "Service outlets", "Bank branches and community centres where cards are applied for and collected.", True),
        ("/tokens/", "API tokens", "Issue and revoke bearer tokens for your systems; the API is described at /api/v1/docs.", False),
    ],
    ("employer_hr", 7): [
        ("/employers/7/", "Our staff", "Your unit's staff as the registry holds them, masked; export as CSV.", True),
        ("/collective/", "Collective application", "Open a collective application, choose pickup and bank, invite staff to confirm, submit.", True),
        ("/counter/", "Find by ID number", "Find one person in your scope by their full ID number.", False),
        ("/reports/statistics/", "Statistics", "Applications by channel, group, district, bank and employer, and cards ordered, made, issued and enabled, as they stood on any day; daily and weekly charts.", True),
        ("/reports/funnel/", "Campaign funnel", "From eligible to the old card void: how many reached each step by any day, the share of the step before, and the median days between steps.", False),
        ("/outlets/", "Service outlets", "Bank branches and community centres where cards are applied for and collected.", True),
        ("/tokens/", "API tokens", "Issue and revoke bearer tokens for your systems; the API is described at /api/v1/docs.", False),
    ],
    ("bank_clerk", None): [
        ("/applications/counter/", "Take an application", "Find the applicant by ID number, take the application, see the decision.", True),
        ("/collective/", "Collective application (offline)", "Act for an employer at your outlet: its collective application, step by step.", True),
        ("/cards/counter/", "Cards at the counter", "The outlet's stock, and the holder in front of you: hand the card over, enable it, activate it, take a loss report or a replacement.", True),
        ("/counter/", "Counter lookup", "Enter the ID number from the applicant's card to see their record in full.", True),
        ("/bookings/", "Booked visits", "The day's booked visits at your outlet: book, move or cancel, record who came.", True),
        ("/bookings/capacity/", "Time slots", "Publish an outlet's places per day and time slot, on working days, to spread visits.", False),
        ("/outlets/", "Service outlets", "Bank branches and community centres where cards are applied for and collected.", True),
        ("/tokens/", "API tokens", "Issue and revoke bearer tokens for your systems; the API is described at /api/v1/docs.", False),
    ],
    ("community_clerk", None): [
        ("/applications/counter/", "Take an application", "Find the applicant by ID number, take the application, see the decision.", True),
        ("/cards/counter/", "Cards at the counter", "The outlet's stock, and the holder in front of you: hand the card over, enable it, activate it, take a loss report or a replacement.", True),
        ("/counter/", "Counter lookup", "Enter the ID number from the applicant's card to see their record in full.", True),
        ("/bookings/", "Booked visits", "The day's booked visits at your outlet: book, move or cancel, record who came.", True),
        ("/bookings/capacity/", "Time slots", "Publish an outlet's places per day and time slot, on working days, to spread visits.", False),
        ("/outlets/", "Service outlets", "Bank branches and community centres where cards are applied for and collected.", True),
        ("/tokens/", "API tokens", "Issue and revoke bearer tokens for your systems; the API is described at /api/v1/docs.", False),
    ],
    ("production_operator", None): [
        ("/production/", "Production batches", "Form batches, personalise them, write the card-factory file, import its result with defects and remakes, dispatch the made cards.", True),
        ("/outlets/", "Service outlets", "Bank branches and community centres where cards are applied for and collected.", True),
        ("/tokens/", "API tokens", "Issue and revoke bearer tokens for your systems; the API is described at /api/v1/docs.", False),
    ],
    ("cardholder", None): [
        ("/applications/mine/", "My applications", "Confirm your card data, apply online, follow your application.", True),
        ("/me/cards/", "My cards", "Your cards and how far each has come; enable it online, report it lost.", True),
        ("/me/", "My record", "Your registration data in full, as the bureau holds it.", True),
        ("/me/access/", "Who looked at my record", "Each clerk who looked up your record: where, when, what and what for.", False),
        ("/me/reminders/", "Campaign reminders", "Whether the bureau may text you reminders to apply; service messages still come.", False),
        ("/bookings/", "My bookings", "Book a time to visit an outlet, move or cancel it; a text reminds you the day before.", True),
        ("/outlets/", "Service outlets", "Bank branches and community centres where cards are applied for and collected.", True),
        ("/tokens/", "API tokens", "Issue and revoke bearer tokens for your systems; the API is described at /api/v1/docs.", False),
    ],
    ("relying_party", None): [
        ("/api/v1/docs", "Card verification API", "POST /api/v1/cards/verify with a card number or the reader string.", True),
        ("/api/v1/docs", "Card authentication API", "Check that the card itself is present: POST /api/v1/cards/challenges, have the card sign the nonce with its SM2 key, then POST /api/v1/cards/challenges/{code}/answer.", False),
        ("/tokens/", "API tokens", "Issue and revoke bearer tokens for your systems; the API is described at /api/v1/docs.", True),
    ],
    ("post", None): [
        ("/api/v1/docs", "Delivery events API", "POST /api/v1/post/events for each item delivered or failed; a repeated event changes nothing.", True),
        ("/outlets/", "Service outlets", "Bank branches and community centres where cards are applied for and collected.", True),
        ("/tokens/", "API tokens", "Issue and revoke bearer tokens for your systems; the API is described at /api/v1/docs.", False),
    ],
    ("system", None): [
        ("/imports/", "Bulk imports", "Upload persons, employers, schools or outlets (CSV or XLSX) and read the result.", True),
        ("/outlets/", "Service outlets", "Bank branches and community centres where cards are applied for and collected.", True),
        ("/tokens/", "API tokens", "Issue and revoke bearer tokens for your systems; the API is described at /api/v1/docs.", False),
    ],
}

CHINESE: dict[tuple[str, int | None], list[Link]] = {
    ("city_officer", None): [
        ("/persons/", "人员", "按人员类别和区浏览、导出全市登记的所有人员（信息已脱敏）。", True),
        ("/employers/", "单位", "参保单位及其职工。", True),
        ("/departures/", "死亡及转出登记", "已登记的死亡、出国（境）定居和转出：其社会保障卡已注销、申领已撤回、不再发送短信。可筛选和导出。", False),
        ("/counter/", "按证件号码查询", "按完整的身份证件号码查询您权限范围内的一名人员。", False),
        ("/campaigns/", "换发工作", "正在实施的政策包、各阶段时间轴，以及符合条件的人数。", True),
        ("/campaigns/schools/", "学校及其通知", "登记一所学校或全区学校的通知；此后家长即可为孩子办理。", False),
        ("/campaigns/outreach/", "提醒轮次", "按人群、区、单位和年龄提醒尚未申领的符合条件人员；先预览人数再发送，并查看每轮的转化情况。", False),
        ("/reports/overdue/", "超期卡片与积压", "按银行、网点和区统计未按期制成的卡片，以及在制卡片。", True),
        ("/cards/expiring/", "即将到期的社保卡", "提醒期内即将到期的社保卡、持卡人是否已获提醒和是否已申请换卡；提醒持卡人；导出。", False),
        ("/reports/statistics/", "数据统计", "按渠道、人群、区、银行和单位统计的申领量，以及已下单制卡、已制成、已发放和已启用的卡片数，可查看任一日期的数据；按日、按周的走势图。", True),
        ("/reports/funnel/", "换卡漏斗", "从符合条件到旧卡失效：截至任一日期到达各环节的人数、占上一环节的比例，以及相邻环节之间的天数中位数。", False),
        ("/reports/verification-traffic/", "核验流量", "医院、药店和终端核验社保卡的次数，按类型、区和核验结果统计；与通知所列网络规模对照的在用机构数。", False),
        ("/relying-parties/", "用卡机构", "核验社保卡的医院、药店和终端；可从文件批量登记，每家机构各有自己的接口令牌。", False),
        ("/reports/calendar/", "工作日历", "官方放假日历覆盖哪些年度；导入下一年度的放假安排。", False),
        ("/outbox/", "短信发件箱", "所有已发送和待发送的短信及其状态；手机号已脱敏。", False),
        ("/approvals/", "待复核的变更", "其他经办人员提交、需要您复核的变更（双人复核），以及您本人提交的变更。", False),
        ("/cards/mass-actions/", "卡片批量处理", "对一个批次、卡号区间或卡号清单的卡片批量挂失冻结、注销、吊销证书或启用，需复核。", False),
        ("/reports/audit/", "审计日志", "谁在何时因何做了什么：按人员、卡、操作人和操作查询；可导出。", False),
        ("/bookings/capacity/", "预约时段", "按工作日发布网点每天各时段的接待名额，引导错峰办理。", False),
        ("/bookings/load/", "网点预约负荷", "未来几周各网点每天的已预约人数与可预约名额。", False),
        ("/imports/", "批量导入", "上传人员、单位、学校或服务网点数据（CSV或XLSX），查看导入结果。", True),
        ("/outlets/", "服务网点", "办理社保卡申领和领取的银行网点和社区事务受理服务中心。", True),
        ("/tokens/", "接口令牌", "为您的业务系统签发和吊销接口令牌；接口说明见 /api/v1/docs。", False),
    ],
    ("district_officer", None): [
        ("/persons/", "人员", "按人员类别和区浏览、导出在本区参保或户籍在本区的人员（信息已脱敏）。", True),
        ("/employers/", "单位", "参保单位及其职工。", True),
        ("/departures/", "死亡及转出登记", "已登记的死亡、出国（境）定居和转出：其社会保障卡已注销、申领已撤回、不再发送短信。可筛选和导出。", False),
        ("/counter/", "按证件号码查询", "按完整的身份证件号码查询您权限范围内的一名人员。", False),
        ("/campaigns/", "换发工作", "正在实施的政策包、各阶段时间轴，以及符合条件的人数。", True),
        ("/campaigns/schools/", "学校及其通知", "登记一所学校或全区学校的通知；此后家长即可为孩子办理。", False),
        ("/campaigns/outreach/", "提醒轮次", "按人群、区、单位和年龄提醒尚未申领的符合条件人员；先预览人数再发送，并查看每轮的转化情况。", False),
        ("/reports/overdue/", "超期卡片与积压", "按银行、网点和区统计未按期制成的卡片，以及在制卡片。", True),
        ("/cards/expiring/", "即将到期的社保卡", "提醒期内即将到期的社保卡、持卡人是否已获提醒和是否已申请换卡；提醒持卡人；导出。", False),
        ("/reports/statistics/", "数据统计", "按渠道、人群、区、银行和单位统计的申领量，以及已下单制卡、已制成、已发放和已启用的卡片数，可查看任一日期的数据；按日、按周的走势图。", True),
        ("/reports/funnel/", "换卡漏斗", "从符合条件到旧卡失效：截至任一日期到达各环节的人数、占上一环节的比例，以及相邻环节之间的天数中位数。", False),
        ("/reports/verification-traffic/", "核验流量", "医院、药店和终端核验社保卡的次数，按类型、区和核验结果统计；与通知所列网络规模对照的在用机构数。", False),
        ("/relying-parties/", "用卡机构", "核验社保卡的医院、药店和终端；可从文件批量登记，每家机构各有自己的接口令牌。", False),
        ("/approvals/", "待复核的变更", "其他经办人员提交、需要您复核的变更（双人复核），以及您本人提交的变更。", False),
        ("/cards/mass-actions/", "卡片批量处理", "对一个批次、卡号区间或卡号清单的卡片批量挂失冻结、注销、吊销证书或启用，需复核。", False),
        ("/bookings/capacity/", "预约时段", "按工作日发布网点每天各时段的接待名额，引导错峰办理。", False),
        ("/bookings/load/", "网点预约负荷", "未来几周各网点每天的已预约人数与可预约名额。", False),
        ("/outlets/", "服务网点", "办理社保卡申领和领取的银行网点和社区事务受理服务中心。", True),
        ("/tokens/", "接口令牌", "为您的业务系统签发和吊销接口令牌；接口说明见 /api/v1/docs。", False),
    ],
    ("employer_hr", None): [
        ("/collective/", "单位集体申领", "开通集体申领，选择领卡方式和银行，通知职工确认，统一提交。", True),
        ("/counter/", "按证件号码查询", "按完整的身份证件号码查询您权限范围内的一名人员。", False),
        ("/outlets/", "服务网点", "办理社保卡申领和领取的银行网点和社区事务受理服务中心。", True),
        ("/tokens/", "接口令牌", "为您的业务系统签发和吊销接口令牌；接口说明见 /api/v1/docs。", False),
    ],
    ("employer_hr", 7): [
        ("/employers/7/", "本单位职工", "查看登记系统中本单位的职工信息（已脱敏），可导出为CSV。", True),
        ("/collective/", "单位集体申领", "开通集体申领，选择领卡方式和银行，通知职工确认，统一提交。", True),
        ("/counter/", "按证件号码查询", "按完整的身份证件号码查询您权限范围内的一名人员。", False),
        ("/reports/statistics/", "数据统计", "按渠道、人群、区、银行和单位统计的申领量，以及已下单制卡、已制成、已发放和已启用的卡片数，可查看任一日期的数据；按日、按周的走势图。", True),
        ("/reports/funnel/", "换卡漏斗", "从符合条件到旧卡失效：截至任一日期到达各环节的人数、占上一环节的比例，以及相邻环节之间的天数中位数。", False),
        ("/outlets/", "服务网点", "办理社保卡申领和领取的银行网点和社区事务受理服务中心。", True),
        ("/tokens/", "接口令牌", "为您的业务系统签发和吊销接口令牌；接口说明见 /api/v1/docs。", False),
    ],
    ("bank_clerk", None): [
        ("/applications/counter/", "受理申领", "按身份证号码查找申请人，受理申请，查看办理结论。", True),
        ("/collective/", "单位集体申领（线下）", "在本网点为单位办理集体申领，逐步完成。", True),
        ("/cards/counter/", "柜台发卡", "本网点库存，以及为眼前的持卡人交付社保卡、启用、激活、受理挂失或补换。", True),
        ("/counter/", "柜面查询", "录入申请人证件上的身份证件号码，查看其完整登记信息。", True),
        ("/bookings/", "预约到访", "本网点当天的预约到访：代为预约、改约或取消，登记到访。", True),
        ("/bookings/capacity/", "预约时段", "按工作日发布网点每天各时段的接待名额，引导错峰办理。", False),
        ("/outlets/", "服务网点", "办理社保卡申领和领取的银行网点和社区事务受理服务中心。", True),
        ("/tokens/", "接口令牌", "为您的业务系统签发和吊销接口令牌；接口说明见 /api/v1/docs。", False),
    ],
    ("community_clerk", None): [
        ("/applications/counter/", "受理申领", "按身份证号码查找申请人，受理申请，查看办理结论。", True),
        ("/cards/counter/", "柜台发卡", "本网点库存，以及为眼前的持卡人交付社保卡、启用、激活、受理挂失或补换。", True),
        ("/counter/", "柜面查询", "录入申请人证件上的身份证件号码，查看其完整登记信息。", True),
        ("/bookings/", "预约到访", "本网点当天的预约到访：代为预约、改约或取消，登记到访。", True),
        ("/bookings/capacity/", "预约时段", "按工作日发布网点每天各时段的接待名额，引导错峰办理。", False),
        ("/outlets/", "服务网点", "办理社保卡申领和领取的银行网点和社区事务受理服务中心。", True),
        ("/tokens/", "接口令牌", "为您的业务系统签发和吊销接口令牌；接口说明见 /api/v1/docs。", False),
    ],
    ("production_operator", None): [
        ("/production/", "制卡批次", "组批、个人化、生成制卡数据文件、导入制卡结果（含废卡和补制）、发出已制成的卡片。", True),
        ("/outlets/", "服务网点", "办理社保卡申领和领取的银行网点和社区事务受理服务中心。", True),
        ("/tokens/", "接口令牌", "为您的业务系统签发和吊销接口令牌；接口说明见 /api/v1/docs。", False),
    ],
    ("cardholder", None): [
        ("/applications/mine/", "我的申领", "确认制卡信息，网上申领，查看办理进度。", True),
        ("/me/cards/", "我的社保卡", "您的社保卡及其进度；线上启用、挂失。", True),
        ("/me/", "我的信息", "人社部门登记的您本人的完整信息。", True),
        ("/me/access/", "谁查看了我的信息", "每一次柜员查询您的信息：在哪里、何时、查看了哪些内容、办理什么业务。", False),
        ("/me/reminders/", "换卡提醒", "是否接收人社局发送的申领提醒短信；业务办理短信仍会照常发送。", False),
        ("/bookings/", "我的预约", "预约到网点办理的时段，可改约或取消；前一天会以短信提醒您。", True),
        ("/outlets/", "服务网点", "办理社保卡申领和领取的银行网点和社区事务受理服务中心。", True),
        ("/tokens/", "接口令牌", "为您的业务系统签发和吊销接口令牌；接口说明见 /api/v1/docs。", False),
    ],
    ("relying_party", None): [
        ("/api/v1/docs", "社保卡校验接口", "以卡号或读卡字符串调用 POST /api/v1/cards/verify。", True),
        ("/api/v1/docs", "卡片认证接口", "确认持卡人所持为真卡：POST /api/v1/cards/challenges，由卡片用其SM2密钥对随机数签名，再 POST /api/v1/cards/challenges/{code}/answer。", False),
        ("/tokens/", "接口令牌", "为您的业务系统签发和吊销接口令牌；接口说明见 /api/v1/docs。", True),
    ],
    ("post", None): [
        ("/api/v1/docs", "投递回执接口", "每件邮件投递成功或失败时 POST /api/v1/post/events；重复回执不会产生变化。", True),
        ("/outlets/", "服务网点", "办理社保卡申领和领取的银行网点和社区事务受理服务中心。", True),
        ("/tokens/", "接口令牌", "为您的业务系统签发和吊销接口令牌；接口说明见 /api/v1/docs。", False),
    ],
    ("system", None): [
        ("/imports/", "批量导入", "上传人员、单位、学校或服务网点数据（CSV或XLSX），查看导入结果。", True),
        ("/outlets/", "服务网点", "办理社保卡申领和领取的银行网点和社区事务受理服务中心。", True),
        ("/tokens/", "接口令牌", "为您的业务系统签发和吊销接口令牌；接口说明见 /api/v1/docs。", False),
    ],
}
# fmt: on

ADMINISTRATION: dict[str, Link] = {
    "en": ("/admin/", "Administration", "Maintain accounts and reference data.", False),
    "zh-hans": ("/admin/", "系统管理", "维护账号和基础数据。", False),
}
CASES = [(role, employer) for role, employer in ENGLISH]


def links(actor: Actor, *, is_staff: bool) -> list[Link]:
    return [
        (a.url, str(a.label), str(a.description), a.in_header)
        for a in actions_for(actor, is_staff=is_staff)
    ]


def test_every_role_is_pinned() -> None:
    assert {role for role, _ in ENGLISH} == {r.value for r in Role}
    assert set(CHINESE) == set(ENGLISH)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("is_staff", [False, True])
@pytest.mark.parametrize(("role", "employer"), CASES)
def test_each_role_gets_the_links_the_if_chain_gave(
    role: str, employer: int | None, is_staff: bool, language: str
) -> None:
    expected = list((ENGLISH if language == "en" else CHINESE)[(role, employer)])
    if is_staff:
        expected.append(ADMINISTRATION[language])
    actor = Actor(role=Role(role), label="someone", employer_id=employer)
    with translation.override(language):
        assert links(actor, is_staff=is_staff) == expected


def test_the_header_shows_what_the_table_marks_in_header() -> None:
    # the context processor keeps only header links: a relying party's header has its tokens
    actor = Actor(role=Role.RELYING_PARTY, label="hospital")
    with translation.override("en"):
        header = [str(a.label) for a in actions_for(actor) if a.in_header]
    assert header == ["Card verification API", "API tokens"]


def test_the_navigation_is_a_table_walked_by_short_functions() -> None:
    # a row for each link any role may get, and no function the size of the old chain
    assert all(isinstance(entry, navigation.Entry) for entry in NAVIGATION)
    functions = [f for _, f in inspect.getmembers(navigation, inspect.isfunction)]
    long = {
        f.__name__: len(inspect.getsourcelines(f)[0])
        for f in functions
        if f.__module__ == navigation.__name__ and len(inspect.getsourcelines(f)[0]) > 60
    }
    assert long == {}
