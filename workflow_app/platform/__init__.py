"""The workflow platform: runs BPMN processes for people — engine and sandbox, process registry and
versions, runtime, tasks, messaging, timers and jobs, forms, audit, identity and access, calendar and
deadlines. It knows nothing about labour law; ``domain/`` builds on it (docs/ARCHITECTURE.md).
"""
