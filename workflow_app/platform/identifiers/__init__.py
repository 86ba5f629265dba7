"""PRC identifiers, pure: USCC, ID-number and phone validation; finding and masking them in text and data
(docs/security.md §5).
"""
