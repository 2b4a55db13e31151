"""The governance REST API, one module per topic."""

from .requests import (  # noqa: F401
    RequestFilter,
    ResidentRequestViewSet,
    Service,
    Status,
)
