"""Words for the people codes (kind of role, training status), in the reader's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

PEOPLE_KIND = {"peer_supporter": _l("Peer supporter"), "volunteer": _l("Volunteer")}
TRAINING_STATUS = {"not_trained": _l("Not trained yet"), "in_training": _l("In training"),
                   "trained": _l("Trained")}
