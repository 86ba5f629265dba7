"""Domain errors. The API turns each into an RFC 9457 problem document; the web UI shows ``message``.

``message`` is Chinese for end users; ``detail`` is precise English for API clients.
"""
from __future__ import annotations


class DomainError(Exception):
    status = 400
    type = "about:blank"
    title = "Bad request"

    def __init__(self, message: str, detail: str | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.detail = detail or message
        self.extra = extra


class NotFound(DomainError):
    status, type, title = 404, "not-found", "Not found"


class Forbidden(DomainError):
    status, type, title = 403, "forbidden", "Forbidden"


class Unauthenticated(DomainError):
    status, type, title = 401, "unauthenticated", "Authentication required"


class Conflict(DomainError):
    status, type, title = 409, "conflict", "Conflict"


class Invalid(DomainError):
    """Invalid input; ``errors`` maps field (or file) to a message."""

    status, type, title = 422, "validation-error", "Validation failed"


class DefinitionRejected(DomainError):
    """A deployment was refused; ``problems`` lists file, line and reason for each."""

    status, type, title = 422, "definition-rejected", "Definition rejected"


class ProcessFailed(DomainError):
    """The engine could not complete a step (script error, limit); nothing was changed."""

    status, type, title = 422, "process-error", "Process step failed"


class TemplateRejected(DomainError):
    """A document template could not be filled (a refused tag, an unknown field); nothing was issued."""

    status, type, title = 422, "template-rejected", "Document template rejected"


class ServiceUnavailable(DomainError):
    """A tool the server needs (the PDF converter) is missing or did not answer in time; retry later."""

    status, type, title = 503, "service-unavailable", "Service unavailable"


class TooLarge(DomainError):
    """An upload over its size limit."""

    status, type, title = 413, "payload-too-large", "Payload too large"
