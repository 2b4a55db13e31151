"""Page-number pagination with a client-chosen page size, capped, and a capped count.

Counting every matching row on every page is what makes a list slow at a million rows, and
nobody pages through more than a few hundred pages: the count stops at COUNT_CAP rows. Past
that, `count` is COUNT_CAP and `count_is_exact` is false ("10,000 or more"); the pages beyond
it are reached by narrowing the filters.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    @cached_property
    def full_count(self) -> int:
        """The rows up to one past the cap: `SELECT COUNT(*) FROM (… LIMIT cap + 1)`."""
        object_list = self.object_list
        if isinstance(object_list, list):
            return len(object_list)
        # Only the keys: the page's annotations (an EXISTS per row, say) would otherwise be
        # computed for every counted row, and its ordering would sort them.
        return object_list.order_by().values("pk")[: COUNT_CAP + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.full_count, COUNT_CAP)

    @property
    def is_exact(self) -> bool:
        return self.full_count <= COUNT_CAP


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = CappedCountPaginator

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["count_is_exact"] = self.page.paginator.is_exact
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count"]["description"] = f"Matching rows, counted up to {COUNT_CAP:,}."
        paginated["properties"]["count_is_exact"] = {
            "type": "boolean",
            "description": f"False when more than {COUNT_CAP:,} rows match: narrow the filters to reach them all.",
        }
        paginated["required"] = [*paginated.get("required", []), "count_is_exact"]
        return paginated
