"""Every write in governance, one module per topic; `governance.services.<name>` reaches them all."""

from .requests import *  # noqa: F403
from .requests import MAX_PHOTOS_AT_FILING, MAX_PHOTOS_PER_REQUEST, Person, committee_size  # noqa: F401
