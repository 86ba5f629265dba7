"""WSGI entry point for production servers: ``gunicorn workflow_app.wsgi:app``.

Configuration comes from the environment (see ``workflow_app.config``); with ``CASEFLOW_ENV=production``
the process refuses to start on insecure defaults.
"""
from . import create_app

app = create_app()
