"""Bulk actions from the promo list, the approval queue and an upload's result page: the ticked
promos (or every promo matching the list's filter) are named in a confirmation with their count,
then each goes through its own service (promo/services/bulk.py) and the result page lists what
was done and what was refused, and why.

A list offers only the actions some of its rows allow the user (promo/views/bulk_bar.py, the
same predicates as the services, in a fixed number of queries)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View

from config.views import FormPostMixin
from promo.forms.bulk import BulkActionForm
from promo.models import Promo
from promo.services.actions import bulk_offers
from promo.services.bulk import ACTION_LABELS, BULK_MAX, TOO_MANY, floor_refused, promos_bulk
from promo.services.conflicts import conflicting_promo_ids
from promo.services.errors import InvalidError
from promo.views.approval import ApprovalQueueFilterSet, review_queue
from promo.views.promos import PromoListView, safe_next

# The confirmation names this many promos; the count covers all of them.
SHOWN = 100
NONE_MATCHING = _("Под фильтр не подходит ни одно промо.")


def _matching(request, source: str, query: str):
    """Every promo the list (or the queue) shows for the filter in ``query``, restricted to
    what the user sees there."""
    data = QueryDict(query or "")
    if source == BulkActionForm.QUEUE:
        filterset = ApprovalQueueFilterSet(data, review_queue(request.user), request=request,
                                           only_conflicts=data.get("conflicts") == "1")
    else:
        view = PromoListView()
        view.setup(request)
        filterset = PromoListView.filterset_class(data, view.get_queryset(), request=request)
    return filterset.qs if filterset.is_valid() else filterset.queryset.none()


class BulkActionView(LoginRequiredMixin, FormPostMixin, View):
    """POST the bar of a list: first the confirmation (nothing changes), then the run."""

    def form_page(self):
        return reverse("promo:promo_list")

    def post(self, request):
        form = BulkActionForm(request.POST)
        back = safe_next(request, reverse("promo:promo_list"))
        if not form.is_valid():
            return self.render("promo/bulk_confirm.html", form=form, back=back, status=400)
        data = form.cleaned_data
        if data["select_all"]:
            items = list(_matching(request, data["source"], data["query"]).order_by("pk")
                         .values_list("pk", "version"))
        else:
            items = data["items"]
        if form.is_run:
            try:
                result = promos_bulk(actor=request.user, action=data["action"], items=items, reason=data["reason"])
            except InvalidError as exc:
                form.add_error("reason" if exc.code == "reason_required" else None, exc.message)
                return self.confirm(form, items, back=back, status=400)
            promos = self._visible(result.done + [refusal.id for refusal in result.refused])
            return self.render("promo/bulk_result.html", form=form, back=back, result=result,
                               action_label=ACTION_LABELS[data["action"]],
                               done=[(pk, promos.get(pk)) for pk in result.done],
                               refused=[(refusal, promos.get(refusal.id)) for refusal in result.refused])
        return self.confirm(form, items, back=back)

    def confirm(self, form, items, *, back: str, status: int = 200):
        """The count, the first promos by code and name, how many the user may act on now."""
        if not items or len(items) > BULK_MAX:
            form.add_error(None, TOO_MANY % {"max": BULK_MAX} if items else NONE_MATCHING)
            return self.render("promo/bulk_confirm.html", form=form, back=back, status=400)
        action = form.cleaned_data["action"]
        ids = [pk for pk, _version in items]
        shown = list(Promo.objects.restrict(self.request.user).filter(pk__in=ids[:SHOWN])
                     .select_related("supplier").order_by("pk"))
        promos = list(Promo.objects.restrict(self.request.user).filter(pk__in=ids)
                      .select_related("approved_revision").order_by("pk"))
        offers = bulk_offers(self.request.user, promos, timezone.localdate())
        allowed = [promo for promo in promos if action in offers[promo.pk]]
        # A bulk «Принять» cannot accept lines below the price floor (no override here): said
        # before the run, each such promo linked, to accept it on its own page.
        below = floor_refused(actor=self.request.user, promos=allowed) if action == "approve" else set()
        below_floor = [promo for promo in allowed if promo.pk in below]
        # Accepting promos that collide with another promo of the same product, branches and
        # days: said where the decision is confirmed, as the queue's «Конфликты» column does.
        # (Those below the floor are not accepted by the list at all: said above.)
        acceptable = [promo for promo in allowed if promo.pk not in below]
        conflicting = conflicting_promo_ids(acceptable) if action == "approve" else set()
        in_conflict = [promo for promo in acceptable if promo.pk in conflicting]
        return self.render("promo/bulk_confirm.html", form=form, back=back, status=status, items=items,
                           shown=shown, more=max(0, len(items) - len(shown)), allowed=len(allowed) - len(below),
                           below_floor=below_floor[:SHOWN], below_floor_count=len(below_floor),
                           below_floor_more=max(0, len(below_floor) - SHOWN),
                           in_conflict=in_conflict[:SHOWN], in_conflict_count=len(in_conflict),
                           in_conflict_more=max(0, len(in_conflict) - SHOWN),
                           action_label=ACTION_LABELS[action], needs_reason=action in ("reject", "cancel"))

    def _visible(self, ids) -> dict[int, Promo]:
        """The promos of the result the user may see (a foreign id stays a bare number)."""
        return Promo.objects.restrict(self.request.user).filter(pk__in=ids).only("pk", "name").in_bulk()

    def render(self, template: str, *, status: int = 200, **context):
        return render(self.request, template, context, status=status)
