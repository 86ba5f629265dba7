"""Task forms: JSON Schema validation with a message per field or nested path, in Chinese and English
(docs/ui.md "Task forms").
"""
