"""Inter-agency collaboration (docs/collaboration.md).

Importing the package registers nothing: the bootstrap (``entrypoints/bootstrap.py``) wires its number
kinds into the platform numbering service and the synchronous message handlers of its diagrams
(``transfer_event``, ``hearing_event``, ``meeting_event``, ``intake_room_decided``).
"""
