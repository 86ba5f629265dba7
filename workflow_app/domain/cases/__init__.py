"""Cases across the features: the case file (案卷) a person opens for any process instance — its case and
registration (intake), tasks, timeline, documents and linked cases. Read models only; the use cases that
change a case live in their feature folders (intake, collaboration, ...).
"""
