"""The governance REST API, one module per topic."""

from .disputes import (  # noqa: F401
    DisputeFilter,
    DisputeViewSet,
)
from .meetings import (  # noqa: F401
    ICS_CONTENT_TYPE,
    ActionItemFilter,
    ActionItemViewSet,
    AgendaItemViewSet,
    ICalendarRenderer,
    MeetingFilter,
    MeetingViewSet,
    calendar_host,
    calendar_meetings,
    ics_response,
)
from .notices import (  # noqa: F401
    NoticeFilter,
    NoticeViewSet,
)
from .notifications import (  # noqa: F401
    NotificationFilter,
    NotificationViewSet,
)
from .ratings import (  # noqa: F401
    GRADE_DESCRIPTION,
    RatingRoundFilter,
    RatingRoundViewSet,
)
from .requests import (  # noqa: F401
    RequestFilter,
    ResidentRequestViewSet,
)
