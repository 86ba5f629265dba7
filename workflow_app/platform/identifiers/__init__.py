"""PRC identifiers, pure: USCC, ID-number and phone validation (``validation``); finding and masking them in
text (``detection``) and in data and logs (``masking``) (docs/security.md §5).
"""
