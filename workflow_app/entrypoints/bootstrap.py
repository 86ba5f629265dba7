"""The one place where the application is wired: every synchronous message handler, every function diagram
text may call and every number kind, in the lists below.

Importing a module of ``workflow_app`` registers nothing; :func:`wire` does it, explicitly. The Flask app
(``app.create_app``), the background worker (``worker.Worker``) and the CLI commands that run use cases call
it; so do the tests that call services without an app. It is idempotent: a second call changes nothing.

The sandbox worker processes get the same diagram functions without running this module: the parent sends
them the table of what :func:`wire_diagram_functions` registered (module and name of each function) and they
import those functions (``platform/engine/sandbox_process.py``, docs/sandbox.md).
"""
from __future__ import annotations

from workflow_app.domain.collaboration import common as collaboration, hearings, meetings, transfer_letter, transfers
from workflow_app.domain.intake import numbering as intake_numbering, receipt_document, triage
from workflow_app.platform.deadlines import diagram_functions
from workflow_app.platform.documents import issuing as documents
from workflow_app.platform.engine import sandbox
from workflow_app.platform.jobs import timers
from workflow_app.platform.runtime import instances as runtime

#: Messages a diagram throws that a domain action handles at once, in the transaction of the step that
#: threw them (any other thrown message goes to the outbox).
EVENT_HANDLERS = (
    # intake triage: every claim routed -> one case per handling body (docs/intake.md)
    ("intake_routed", triage.on_routed),
    # the triage room decided: its routing opens the cases, or a joint hearing starts (docs/intake.md)
    ("intake_room_decided", hearings.on_room_decided),
    # inter-agency transfers, joint hearings, liaison meetings (docs/collaboration.md)
    ("transfer_event", transfers.on_transfer_event),
    ("hearing_event", hearings.on_event),
    ("meeting_event", meetings.on_event),
    # a reminder timer fired: mark the task it names (docs/deadlines.md)
    (timers.REMINDER_MESSAGE, timers.on_reminder),
)

#: Diagram functions whose first parameter is the official calendar: an evaluation binds it to the step's
#: calendar and diagram text calls them without it (docs/deadlines.md).
CALENDAR_FUNCTIONS = (
    *diagram_functions.CALENDAR_FUNCTIONS.items(),
    ("first_working_day_of_quarter", meetings.first_working_day_of_quarter_of),  # liaison meetings
)

#: Diagram functions that need no calendar (besides the sandbox's own: date, now, today, parse_date ...).
PLAIN_FUNCTIONS = (
    *diagram_functions.PLAIN_FUNCTIONS.items(),
    ("years_after", triage.years_after),  # the 2-year limitation in triage.dmn (docs/intake.md)
)


def wire_diagram_functions() -> None:
    """Expose the diagram functions to the sandbox."""
    for name, func in CALENDAR_FUNCTIONS:
        sandbox.register_function(name, func, takes_calendar=True)
    for name, func in PLAIN_FUNCTIONS:
        sandbox.register_function(name, func)


def wire() -> None:
    """Register every message handler, diagram function and number kind (idempotent)."""
    for message_name, handler in EVENT_HANDLERS:
        runtime.register_event_handler(message_name, handler)
    wire_diagram_functions()
    intake_numbering.register_number_kinds()  # complaint and case numbers
    collaboration.register_number_kinds()  # transfer, notification, joint hearing ... numbers
    documents.register_number_kinds()  # a 文号 kind per document type (documents/types.json)
    receipt_document.register_document_source()  # 举报投诉登记回执
    transfer_letter.register_document_source()  # 案件移送函
