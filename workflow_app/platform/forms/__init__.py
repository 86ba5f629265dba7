"""Task forms: JSON Schema validation with a Chinese message per field (docs/ui.md).
"""
