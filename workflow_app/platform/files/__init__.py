"""Files attached to cases and tasks: content-addressed storage, type checks by content, the attachments
service (docs/files.md)."""
