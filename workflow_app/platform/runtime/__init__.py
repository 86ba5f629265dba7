"""The runtime: start a process instance, complete a task, persist each step with its projections in one
transaction.
"""
