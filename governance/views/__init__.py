"""Governance pages, one module per topic."""

from .requests import (  # noqa: F401
    QUEUE_TAKEN_STATUSES,
    request_approvals,
    request_detail,
    request_list,
    request_new,
    request_overview,
    request_queue,
)
