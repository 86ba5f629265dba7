"""The documents tests use the service tier's people (``who``) and the colleagues the demo lacks."""
from tests.services.conftest import colleagues, who  # noqa: F401  (fixtures)
