"""Operating the deployed processes: migrating running instances between versions, and the live view of a
version's instances per element (docs/operations.md). The top of the platform: it reads the runtime, the
tasks, the jobs and the registry, and nothing below imports it."""
