"""Every table of the installation: the platform's and each domain feature's.

The platform's ``Base.metadata`` only knows the tables whose model modules have been imported; this module
imports all of them, so that schema creation (tests, the embedded demo) and Alembic see the whole schema.
"""
from workflow_app.domain.collaboration import models as collaboration_models
from workflow_app.domain.intake import models as intake_models
from workflow_app.domain.reports import models as report_models
from workflow_app.platform.persistence.models import Base

__all__ = ["Base", "collaboration_models", "intake_models", "report_models"]
