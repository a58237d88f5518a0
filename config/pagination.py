"""Pagination shared by the pages and the API: a default page size, and a page size the
caller may choose within limits (``?per_page=`` on pages, ``?page_size=`` in the API), so an
integrator can fetch the catalogue in fewer calls without asking for everything at once."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

from config.parsing import parse_id

PAGE_SIZES = (25, 50, 100, 250)
DEFAULT_PAGE_SIZE = 50


MAX_API_PAGE_SIZE = 1000
PAGE_INVALID = _("Номер страницы: целое число от 1.")
PAGE_SIZE_INVALID = _("Размер страницы: целое число от 1 до %(max)s.")
PAGE_MISSING = _("Страницы %(page)s нет: всего страниц %(pages)s.")


class PortalPageNumberPagination(PageNumberPagination):
    """DRF pagination: ``?page=`` (from 1; ``last`` for the last page) and ``?page_size=``
    (1 to 1,000 rows). A value that is not such a number is a 400 naming the parameter (never
    the default page silently); a page past the last is a 404."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_API_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        value = parse_id(raw)
        if value is None or not 1 <= value <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [PAGE_SIZE_INVALID % {"max": self.max_page_size}]})
        return value

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if raw in self.last_page_strings:
            return paginator.num_pages
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise ValidationError({self.page_query_param: [PAGE_INVALID]})
        value = int(raw)
        if value > max(paginator.num_pages, 1):
            raise NotFound(PAGE_MISSING % {"page": value, "pages": paginator.num_pages})
        return value

    def get_schema_operation_parameters(self, view):
        page, page_size = super().get_schema_operation_parameters(view)
        page["schema"] = {"type": "integer", "minimum": 1}
        page["description"] = "A page number (from 1); a page past the last is a 404."
        page_size["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        page_size["description"] = f"Rows per page, 1 to {self.max_page_size} (default {self.page_size})."
        return [page, page_size]


# For an action that paginates a list of its own with the paginator (the schema of the two).
PAGE_PARAMETERS = [
    OpenApiParameter("page", {"type": "integer", "minimum": 1},
                     description="A page number (from 1); a page past the last is a 404."),
    OpenApiParameter("page_size", {"type": "integer", "minimum": 1, "maximum": MAX_API_PAGE_SIZE},
                     description=f"Rows per page, 1 to {MAX_API_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})."),
]


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


class PageInRangeMixin:
    """For list pages: the page a link asks for, kept in range as Django's
    ``Paginator.get_page`` keeps it (the export run's changes page pages that way too): past the
    last (a link kept from page 3 after a bulk action shrank the list, or a typed number) is the
    last page, not a number is the first, and an empty list is its empty first page; the filters
    in the address stay as they are. The API keeps its 400/404 (:class:`PortalPageNumberPagination`)."""

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size, orphans=self.get_paginate_orphans(),
                                       allow_empty_first_page=self.get_allow_empty())
        raw = self.kwargs.get(self.page_kwarg) or self.request.GET.get(self.page_kwarg)
        page = paginator.get_page(paginator.num_pages if raw == "last" else raw)
        return paginator, page, page.object_list, page.has_other_pages()
