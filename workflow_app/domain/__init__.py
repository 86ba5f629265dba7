"""The labour-rights domain, one folder per feature on top of the platform: ``intake`` (the window and
triage), ``collaboration`` (work between the bodies); procedures, documents, supervision and reports
come next (docs/ARCHITECTURE.md).
"""
