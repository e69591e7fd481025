"""Open Referral HSDS 3.0: serialise the directory, import datasets (3.0, 2.0, 1.1), export them."""
from .crosswalk import register as _register_crosswalk

_register_crosswalk()  # every import ends with the taxonomy crosswalk (portal/hsds/crosswalk.py)
