"""Imports every module that adds routes to the API blueprint (``portal.api.views.bp``).
Each domain keeps its API routes in its own module and adds one import line here."""
from . import views  # noqa: F401
from . import matching  # noqa: F401,E402
from . import referrals  # noqa: F401,E402
from . import directory  # noqa: F401,E402
from . import services  # noqa: F401,E402
from . import privacy  # noqa: F401,E402
from . import loop  # noqa: F401,E402
