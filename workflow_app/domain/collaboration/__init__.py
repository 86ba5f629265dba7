"""Inter-agency collaboration (docs/collaboration.md).

Importing the package registers its number kinds with the intake numbering service and the synchronous
message handlers of its diagrams (``transfer_event``, ``hearing_event``, ``meeting_event``).
"""
from workflow_app.domain.collaboration import common

common.register_number_kinds()

from workflow_app.domain.collaboration import transfers, police, ledgers, hearings, meetings, emergencies  # noqa: E402,F401  (handlers register)
