"""Case routing for labour-rights enforcement: BPMN processes on SpiffWorkflow, in three layers.

``platform/`` is the workflow platform (engine, processes, runtime, tasks, deadlines, identity, audit …),
``domain/`` the labour-rights features built on it (intake, collaboration …), ``entrypoints/`` the ways in
(REST API, web pages, CLI, worker). Imports go downwards only; ``.importlinter`` states it and CI checks it.
See docs/ARCHITECTURE.md.
"""
