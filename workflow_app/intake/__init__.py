"""Intake (受理窗口): checks on what a clerk types while registering a complaint or report.

`identifiers` validates, normalises and masks the identifiers on a registration (统一社会信用代码,
居民身份证号码, phone numbers). It is pure standard-library code with no database or Flask.
"""
