"""Governance pages, one module per topic."""

from .disputes import (  # noqa: F401
    dispute_detail,
    dispute_list,
    dispute_new,
)
from .meetings import (  # noqa: F401
    FEED_LIMIT,
    meeting_detail,
    meeting_feed,
    meeting_list,
    meeting_minutes,
    meeting_new,
    meeting_run,
)
from .notices import (  # noqa: F401
    notice_detail,
    notice_edit,
    notice_list,
    notice_new,
)
from .notifications import (  # noqa: F401
    notification_list,
    notification_preferences,
)
from .ratings import (  # noqa: F401
    rating_companies,
    rating_home,
    rating_manage,
)
from .requests import (  # noqa: F401
    QUEUE_TAKEN_STATUSES,
    request_approvals,
    request_detail,
    request_list,
    request_new,
    request_overview,
    request_queue,
)
