"""The process registry: deploying definitions (validated), versions per content hash, the spec cache.
"""
