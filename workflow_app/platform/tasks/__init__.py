"""Tasks of people: the inbox queries, claiming, unclaiming, assigning, delegating, comments (docs/ui.md).
"""
