"""WSGI entry point for production servers: ``gunicorn workflow_app.entrypoints.wsgi:app``.

Configuration comes from the environment (see ``workflow_app.entrypoints.config``); with ``CASEFLOW_ENV=production``
the process refuses to start on insecure defaults.
"""
from workflow_app.entrypoints.app import create_app

app = create_app()
