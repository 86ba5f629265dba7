"""Intake (综合执法维权服务大厅 / 受理窗口): where every case starts (docs/intake.md).

* `registration` — the registration use case: validation per field, complaint number, duplicate links,
  start of the ``intake_triage`` process;
* `triage` — acting on the routing the decision tables produced: one case per handling body, referrals,
  regulator notifications, flags, the triage room's decision;
* `numbering` — complaint and case numbers per bureau and year (configurable patterns);
* `catalog` — the registration vocabulary read from the deployed decision tables;
* `queries` — read models: visibility of registrations and cases, their documents and the receipt;
* `models` — the tables: complaints, claims, cases, duplicate links, number schemes.

The identifiers (USCC, ID and phone numbers) are the platform's: ``platform/identifiers``.
"""
