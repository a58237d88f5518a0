"""Promo pages every role shares: the list (a supplier's workspace, a manager's and a
marketer's overview), the promo page with its lines, decisions, diff, conflicts and comment
thread, and the POST endpoints of the transitions.

Every queryset is restricted before lookup (``Promo.objects.restrict``), so a foreign promo
is a 404. The page offers exactly the actions the services allow
(:func:`promo.services.actions.promo_actions`); the services decide, views parse forms, call
them and show their messages. A refusal maps to a status in one place, :func:`refusal_status`."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_filters.views import FilterView

from branches.targeting import resolve
from config.pagination import PageInRangeMixin
from config.views import FormPostMixin
from promo import economics, rules
from promo.changes import ChangeFormatter, terms_changes
from promo.filtersets import PromoFilterSet
from promo.forms import workflow as wf
from promo.models import Promo, PromoComment, PromoLine, SupplierRequest
from promo.selectors import promo_list, promo_requests, with_line_counts
from promo.services import comments, point_corrections, supplier_requests, transitions
from promo.services.actions import Standing, promo_actions, require_role
from promo.services.conflicts import promo_conflict_details
from promo.services.errors import (
    IllegalStateError,
    InvalidError,
    NotAllowedError,
    NotFoundError,
    StaleVersionError,
    WorkflowError,
)
from promo.services.revisions import revision_current
from promo.views.bulk_bar import bulk_context
from promo.views.list_rows import list_rows
from promo.views.promo_lines import line_rows
from suppliers.roles import is_marketer, is_staff_role, is_supplier_user

# A refusal the page shows as a message on the promo page with the user's input kept: a move
# the promo's state forbids and a stale version (409), invalid input (400). A refusal because
# of the user's role or grants is a 403 page, a promo the user cannot see a 404 (the API maps
# the same types to the same statuses: promo/api/errors.py).
CONFLICT_STATUS = 409
INVALID_STATUS = 400


def refusal_status(exc: WorkflowError) -> int:
    """The status of a page showing ``exc``; raises 404 / 403 for visibility and permission."""
    if isinstance(exc, NotFoundError):
        raise Http404(exc.message)
    if isinstance(exc, NotAllowedError):
        raise PermissionDenied(exc.message)
    if isinstance(exc, IllegalStateError | StaleVersionError):
        return CONFLICT_STATUS
    if isinstance(exc, InvalidError):
        return INVALID_STATUS
    raise TypeError(f"unmapped refusal {type(exc).__name__}")


class RoleRequiredMixin(LoginRequiredMixin):
    """Signed in, and of a role that has the page (else 403; anonymous goes to the login)."""

    def role_allowed(self, user) -> bool:
        return True

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.role_allowed(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class MarketerRequiredMixin(RoleRequiredMixin):
    def role_allowed(self, user) -> bool:
        return is_marketer(user)


def safe_next(request, default: str) -> str:
    """The ``next`` parameter if it points inside the portal, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


# --- The promo list -------------------------------------------------------------------------

class PromoListView(LoginRequiredMixin, PageInRangeMixin, FilterView):
    """A supplier's promos, a manager's (his categories) or every promo for a marketer."""

    filterset_class = PromoFilterSet
    template_name = "promo/promo_list.html"
    paginate_by = 50

    def get_queryset(self):
        # No count of lines in the query: grouping every line to sort and page the promos was
        # most of the page's cost; the page's promos get theirs in get_context_data.
        return promo_list(user=self.request.user, counts=False).order_by("-created_at", "-pk")

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["request"] = self.request
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context["today"] = today
        page = with_line_counts(context["object_list"])
        context["object_list"] = context["promo_list"] = page
        context.update(bulk_context(self.request, page, source="list"))
        context["rows"] = list_rows(page, with_supplier=not is_supplier_user(self.request.user))
        return context


# --- The promo page -------------------------------------------------------------------------

def visible_comments(promo: Promo, user):
    """The comment thread; internal comments are for chain staff only."""
    thread = PromoComment.objects.filter(promo=promo).select_related("author")
    if not is_staff_role(user):
        thread = thread.filter(internal=False)
    return thread


def promo_page_queryset(user):
    # Whether the supplier ever asked anything: most promos never did, and their page then
    # spends no query on requests.
    return (Promo.objects.restrict(user).select_related("supplier", "approved_revision", "created_by")
            .annotate(has_requests=Exists(SupplierRequest.objects.filter(promo=OuterRef("pk")))))


class PromoPage:
    """Builds the promo page: its forms (unbound with the current version, or the one bound
    form that failed), its lines and everything around them."""

    template_name = "promo/promo_detail.html"

    FORMS = {
        "submit": wf.SubmitForm,
        "withdraw": wf.WithdrawForm,
        "request_extension": wf.RequestExtensionForm,
        "request_cancellation": wf.RequestCancellationForm,
        "approve": wf.ApproveForm,
        "reject": wf.RejectForm,
        "cancel": wf.CancelForm,
        "extend": wf.ExtendForm,
        "correct": wf.PromoCorrectForm,
    }

    def __init__(self, request, promo: Promo, *, today: date | None = None):
        self.request = request
        self.user = request.user
        self.promo = promo
        # The services' «today» (the portal's time zone), so the page offers what they allow.
        self.today = today or timezone.localdate()
        self._standing: Standing | None = None

    def lines(self):
        return (self.promo.lines.select_related("product__category", "decided_by")
                .order_by("product__article"))

    @property
    def standing(self) -> Standing:
        if self._standing is None:
            # The promo was found through Promo.objects.restrict(user): it is visible.
            self._standing = Standing(self.user, self.promo, visible=True)
        return self._standing

    def decidable_ids(self) -> set[int]:
        """The lines the user decides now (a submitted promo's lines of his categories)."""
        if self.promo.status != Promo.Status.SUBMITTED:
            return set()
        return set(self.standing.decidable)

    def correctable_lines(self):
        """The lines the user may correct: any for a marketer, his categories' for a manager."""
        lines = self.promo.lines.select_related("product")
        return lines if self.standing.marketer else lines.filter(pk__in=list(self.standing.decidable))

    def allowed_actions(self) -> set[str]:
        """Which forms to offer: exactly the actions the services allow now, plus the hint
        that a rejected promo goes on with a corrected sheet (the upload page, not an action
        of this page: a new revision goes back to approval by itself)."""
        actions = promo_actions(self.user, self.promo, self.today, standing=self.standing)
        if self.promo.status == Promo.Status.REJECTED and (self.standing.own_supplier or self.standing.marketer):
            actions.add("reupload")
        return actions

    def requests(self) -> tuple[list[SupplierRequest], list[SupplierRequest]]:
        """The supplier's open and last answered requests (:func:`promo.selectors.promo_requests`);
        the open ones are the standing's too (the request and answer actions read them)."""
        open_ones, answered = promo_requests(promo=self.promo)
        self.standing.__dict__["open_requests"] = {row.kind: row for row in open_ones}
        return open_ones, answered

    def context(self, bound: dict | None = None) -> dict:
        bound = bound or {}
        promo = self.promo
        open_requests, answered_requests = self.requests()
        lines = list(self.lines())
        decidable = self.decidable_ids()
        actions = self.allowed_actions()
        revision = revision_current(promo)
        diff = revision.diff if revision is not None and revision.number > 1 else {}
        staff = is_staff_role(self.user)
        formatter = ChangeFormatter()
        forms = {}
        for name, form_class in self.FORMS.items():
            forms[name] = bound.get(name) or form_class(initial=self._initial(name), action=name)
        forms["lines"] = bound.get("lines") or wf.LineDecisionsForm(
            lines=[line for line in lines if line.pk in decidable], initial={"version": promo.version})
        # the choice of line writes an option per line: built only when the page offers it
        forms["line_correct"] = bound.get("line_correct") or (
            self._line_correct_form(lines) if "line_correct" in actions else None)
        forms["comment"] = bound.get("comment") or wf.CommentForm(staff=staff)
        rows = line_rows(promo, lines, show_purchase=staff, diff=diff,
                         conflicts=promo_conflict_details(promo, user=self.user, lines=lines),
                         decidable=decidable, formatter=formatter, decisions=forms["lines"])
        if "approve" not in bound and not any(row.floor for row in rows if row.decidable):
            # Nothing of his under the price floor: no «согласовать ниже порога» to offer.
            for name in ("below_floor", "below_floor_reason"):
                del forms["approve"].fields[name]
        rules = promo.rules
        on = max(self.today, promo.start) if self.today <= promo.end else promo.start
        return {
            "requests": [(request, bound.get(f"request_{request.pk}") or wf.RequestAnswerForm(request_id=request.pk))
                         for request in open_requests],
            "answered_requests": answered_requests,
            "overdue": promo.is_overdue(self.today),
            "promo": promo,
            "rows": rows,
            "forms": forms,
            "actions": actions,
            "lines_form": forms["lines"],
            "phase": promo.phase(self.today),
            "revision": revision,
            "diff": diff,
            "diff_counts": revision.diff_counts() if diff else {},
            "terms_changes": formatter.rows(terms_changes(diff.get("terms"))),
            "targeting_text": rules.describe(),
            "branch_count": resolve(rules, on=on, until=promo.end).count(),
            "comments": visible_comments(promo, self.user),
            "show_purchase": staff,
            "decision_summary": self._summary(lines),
            "plan": economics.plan_totals((row.line, row.economics) for row in rows) if staff else None,
            # An approved revision at the tills while the newer one waits or was rejected
            # (a cancelled promo has none in force).
            "in_force_other": (promo.approved_revision is not None
                               and promo.approved_revision.number != promo.revision
                               and promo.status in Promo.Status.behind_newer()),
        }

    def _line_correct_form(self, lines) -> wf.LineCorrectForm:
        """The point correction of a line, its choices drawn from the page's lines (loaded
        already); the POST validates against :meth:`correctable_lines`."""
        form = wf.LineCorrectForm(lines=self.correctable_lines(), mechanic=self.promo.mechanic,
                                  initial={"version": self.promo.version}, action="line_correct")
        mine = self.standing.decidable if not self.standing.marketer else None
        form.offer([line for line in lines if mine is None or line.pk in mine])
        return form

    def _initial(self, name: str) -> dict:
        initial = {"version": self.promo.version}
        if name == "correct":
            initial |= {"start": self.promo.start, "end": self.promo.end}
        if name in ("extend", "request_extension"):
            # A later end than today's (the current end was always refused as «not later»).
            initial["new_end"] = rules.suggested_extension_end(self.promo.start, self.promo.end, today=self.today)
        return initial

    @staticmethod
    def _summary(lines) -> dict:
        summary = dict.fromkeys(PromoLine.Decision.values, 0)
        for line in lines:
            summary[line.decision] += 1
        return summary

    def render(self, bound: dict | None = None, status: int = 200):
        return render(self.request, self.template_name, self.context(bound), status=status)


class PromoDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        promo = get_object_or_404(promo_page_queryset(request.user), pk=pk)
        return PromoPage(request, promo).render()


# --- Transitions ----------------------------------------------------------------------------

class PromoActionView(LoginRequiredMixin, FormPostMixin, View):
    """POST a form of the promo page to a service. Success: a message and a redirect (POST-
    redirect-GET). Failure: the page again with the user's input and the service's message
    (:func:`refusal_status`: nothing is overwritten and nothing typed is lost)."""

    action: str = ""
    # The action whose role predicate is checked before the form (a user who may not act at
    # all gets the 403 of the service, whatever he typed); None: the service decides alone.
    role_action: str | None = None
    success_message = gettext_lazy("Сохранено.")

    def get_queryset(self):
        return promo_page_queryset(self.request.user)

    def form_page(self, pk):
        return reverse("promo:promo_detail", args=[pk])

    def get_form(self, promo: Promo):
        return PromoPage.FORMS[self.action](self.request.POST, action=self.action)

    def perform(self, promo: Promo, form) -> None:
        raise NotImplementedError

    def post(self, request, pk):
        promo = get_object_or_404(self.get_queryset(), pk=pk)
        if self.role_action is not None:
            try:
                require_role(self.role_action, promo=promo, actor=request.user)
            except WorkflowError as exc:
                refusal_status(exc)
        form = self.get_form(promo)
        if not form.is_valid():
            messages.error(request, _("Проверьте заполнение формы."))
            return PromoPage(request, promo).render({self.action: form}, status=INVALID_STATUS)
        try:
            self.perform(promo, form)
        except WorkflowError as exc:
            status = refusal_status(exc)
            messages.error(request, exc.message)
            # Show the promo as it is now, with the form as the user filled it in.
            promo = get_object_or_404(self.get_queryset(), pk=pk)
            if isinstance(form, wf.VersionedForm):
                form.showing(promo)
            return PromoPage(request, promo).render({self.action: form}, status=status)
        messages.success(request, self.success_message)
        return redirect(safe_next(request, promo.get_absolute_url()))


class PromoSubmitView(PromoActionView):
    action = "submit"
    success_message = gettext_lazy("Промо отправлено на согласование.")

    def perform(self, promo, form):
        transitions.promo_submit(promo=promo, actor=self.request.user, version=form.cleaned_data["version"],
                              comment=form.cleaned_data["comment"])


class PromoWithdrawView(PromoActionView):
    action = "withdraw"
    success_message = gettext_lazy("Промо отозвано.")

    def perform(self, promo, form):
        transitions.promo_withdraw(promo=promo, actor=self.request.user, version=form.cleaned_data["version"],
                                reason=form.cleaned_data["reason"])


class PromoCancelView(PromoActionView):
    action = "cancel"
    success_message = gettext_lazy("Промо отменено.")

    def perform(self, promo, form):
        transitions.promo_cancel(promo=promo, actor=self.request.user, reason=form.cleaned_data["reason"],
                              version=form.cleaned_data["version"])


class PromoExtendView(PromoActionView):
    action = "extend"
    success_message = gettext_lazy("Промо продлено; новая ревизия ушла на согласование.")

    def perform(self, promo, form):
        # A supplier posting «extend» asks the marketers (the same rule as the API's).
        supplier_requests.promo_extend_or_request(
            promo=promo, actor=self.request.user, new_end=form.cleaned_data["new_end"],
            reason=form.cleaned_data["reason"], version=form.cleaned_data["version"])


class PromoCorrectView(PromoActionView):
    action = "correct"
    success_message = gettext_lazy("Даты промо исправлены.")

    def perform(self, promo, form):
        data = form.cleaned_data
        point_corrections.promo_correct(promo=promo, actor=self.request.user, reason=data["reason"],
                                        version=data["version"], start=data["start"], end=data["end"])


class LineCorrectView(PromoActionView):
    action = role_action = "line_correct"
    success_message = gettext_lazy("Строка исправлена.")

    def get_form(self, promo):
        page = PromoPage(self.request, promo)
        return wf.LineCorrectForm(self.request.POST, lines=page.correctable_lines(), mechanic=promo.mechanic,
                                  action=self.action)

    def perform(self, promo, form):
        data = form.cleaned_data
        point_corrections.line_correct(line=data["line"], actor=self.request.user, reason=data["reason"],
                                       version=data["version"], **form.changes())


class CommentAddView(PromoActionView):
    action = "comment"
    success_message = gettext_lazy("Комментарий добавлен.")

    def get_form(self, promo):
        return wf.CommentForm(self.request.POST, staff=is_staff_role(self.request.user))

    def perform(self, promo, form):
        comments.comment_add(promo=promo, actor=self.request.user, text=form.cleaned_data["text"],
                             internal=form.cleaned_data.get("internal", False))

