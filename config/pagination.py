"""Pagination shared by the pages and the API: a default page size, and a page size the
caller may choose within limits (``?per_page=`` on pages, ``?page_size=`` in the API), so an
integrator can fetch the catalogue in fewer calls without asking for everything at once."""

from rest_framework.pagination import PageNumberPagination

from config.parsing import parse_id

PAGE_SIZES = (25, 50, 100, 250)
DEFAULT_PAGE_SIZE = 50


class PortalPageNumberPagination(PageNumberPagination):
    """DRF pagination: ``?page=`` and ``?page_size=`` (at most 1,000 rows)."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 1000


class PerPageMixin:
    """For list views: ``?per_page=`` picks one of :data:`PAGE_SIZES`; anything else falls
    back to the default rather than failing."""

    paginate_by = DEFAULT_PAGE_SIZE

    def get_paginate_by(self, queryset):
        value = parse_id(self.request.GET.get("per_page"))
        return value if value in PAGE_SIZES else self.paginate_by

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_sizes"] = PAGE_SIZES
        context["per_page"] = self.get_paginate_by(None)
        return context
