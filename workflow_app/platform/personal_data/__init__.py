"""Personal data of a case: the masked view and the audited reveal (docs/security.md §5).
"""
