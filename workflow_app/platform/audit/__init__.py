"""History and audit: the append-only, hash-chained audit trail of every case (docs/security.md).
"""
