"""Intake (综合执法维权服务大厅 / 受理窗口): where every case starts (docs/intake.md).

* `identifiers` — validation, normalisation and masking of 统一社会信用代码, 居民身份证号码 and phone numbers
  (pure standard-library code, no database or Flask);
* `registration` — the registration use case: validation per field, complaint number, duplicate links,
  start of the ``intake_triage`` process;
* `triage` — acting on the routing the decision tables produced: one case per handling body, referrals,
  regulator notifications, flags, the triage room's decision;
* `numbering` — complaint and case numbers per bureau and year (configurable patterns);
* `catalog` — the registration vocabulary read from the deployed decision tables;
* `views` — visibility of registrations and cases, their documents and the receipt.
"""
