"""The ways in: the REST API, the web pages, the CLI and the worker, the app factory and the bootstrap that
wires them (docs/ARCHITECTURE.md).
"""
