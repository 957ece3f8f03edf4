"""Every model of every domain, so that the metadata is complete (create_all, Alembic's
autogenerate, the tests' table cleanup)."""

import appeals.models  # noqa: F401
import juries.emergency.models  # noqa: F401
import juries.models  # noqa: F401
import matching.accounts.models  # noqa: F401
import matching.audit.models  # noqa: F401
import matching.candidacies.models  # noqa: F401
import matching.mail.models  # noqa: F401
import matching.oversight.models  # noqa: F401
import workareas.models  # noqa: F401
