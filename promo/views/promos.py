"""Promo pages every role shares: the list (a supplier's workspace, a manager's and a
marketer's overview), the promo page with its lines, decisions, diff, conflicts and comment
thread, and the POST endpoints of the transitions.

Every queryset is restricted before lookup (``Promo.objects.restrict``), so a foreign promo
is a 404; a visible promo the service refuses to move for this user is a 403. The services
decide; views parse forms, call them and show their messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_filters.views import FilterView

from branches.targeting import resolve
from promo import mechanics
from promo.changes import ChangeFormatter, line_changes, terms_changes
from promo.filtersets import PromoFilterSet
from promo.forms import workflow as wf
from promo.models import Promo, PromoComment, PromoLine
from promo.services import approval, comments
from promo.services.approval import ApprovalError, NotAllowedError, StaleVersionError
from promo.services.conflicts import promo_conflicts
from promo.services.revisions import revision_current
from suppliers.querysets import DECIDE
from suppliers.roles import is_marketer, is_staff_role, is_supplier_user

# Refusals a page shows as a message on the promo page: a stale version (409, as in the API),
# invalid input (400) and a move the promo's current state forbids (409 here: the user can
# read why and go on, where the API answers 403). A refusal because of the user's role or
# grants is a 403 page, and a promo the user cannot see a 404.
STALE_STATUS = 409
INVALID_STATUS = 400
PERMISSION_CODES = {"not_allowed", "internal_for_staff", "lines_not_found"}


def refusal_status(exc: ApprovalError) -> int:
    """The status of a page showing ``exc``; raises 404 / 403 for visibility and permission."""
    if isinstance(exc, NotAllowedError):
        if exc.code == "not_found":
            raise Http404(exc.message)
        if exc.code in PERMISSION_CODES:
            raise PermissionDenied(exc.message)
        return STALE_STATUS
    if isinstance(exc, StaleVersionError):
        return STALE_STATUS
    return INVALID_STATUS


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

class PromoListView(LoginRequiredMixin, FilterView):
    """A supplier's promos, a manager's (his categories) or every promo for a marketer."""

    filterset_class = PromoFilterSet
    template_name = "promo/promo_list.html"
    paginate_by = 50

    def get_queryset(self):
        return (Promo.objects.restrict(self.request.user)
                .select_related("supplier", "approved_revision")
                .annotate(line_count=Count("lines"))
                .order_by("-created_at", "-pk"))

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["request"] = self.request
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["today"] = date.today()
        return context


# --- The promo page -------------------------------------------------------------------------

@dataclass
class LineRow:
    """One line as the promo page shows it: prices by the mechanic, margin, diff, conflicts."""

    line: PromoLine
    unit_price: Decimal | None = None
    discount: Decimal | None = None
    purchase_price: Decimal | None = None
    margin: Decimal | None = None
    margin_percent: Decimal | None = None
    diff_class: str = ""
    changes: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)
    decidable: bool = False
    decision_field: object = None
    reason_field: object = None

    @property
    def below_cost(self) -> bool:
        return self.margin is not None and self.margin < 0


def line_rows(promo: Promo, lines, *, show_purchase: bool, diff: dict, conflicts, decidable: set[int],
              formatter: ChangeFormatter | None = None):
    """Compute what the page shows for each line (prices through promo/mechanics.py; the
    revision's changes worded by promo/changes.py, as the history and the e-mails word them)."""
    formatter = formatter or ChangeFormatter()
    changed = {row["product_id"]: row.get("fields", {}) for row in diff.get("changed", [])}
    added = {row["product_id"] for row in diff.get("added", [])}
    by_line: dict[int, list] = {}
    for line, other in conflicts:
        by_line.setdefault(line.pk, []).append(other)
    rows = []
    for line in lines:
        row = LineRow(line=line, conflicts=by_line.get(line.pk, []), decidable=line.pk in decidable)
        try:
            row.unit_price = mechanics.promo_price(
                promo.mechanic, line.regular_price, discount_percent=line.discount_percent,
                price=line.promo_price, n=line.n, m=line.m,
            )
            row.discount = mechanics.effective_discount_percent(line.regular_price, row.unit_price)
        except (TypeError, ValueError, ArithmeticError, InvalidOperation):
            # An incomplete line (e.g. a fixed price without a price) shows dashes.
            row.unit_price = None
        if show_purchase:
            row.purchase_price = line.product.purchase_price
            if row.unit_price is not None:
                row.margin = mechanics.margin(row.unit_price, row.purchase_price)
                if row.margin is not None and row.unit_price > 0:
                    row.margin_percent = mechanics.money(row.margin * 100 / row.unit_price)
        if line.product_id in added:
            row.diff_class = "diff-added"
        elif line.product_id in changed:
            row.diff_class = "diff-changed"
            row.changes = formatter.rows(line_changes(changed[line.product_id]))
        rows.append(row)
    return rows


def visible_comments(promo: Promo, user):
    """The comment thread; internal comments are for chain staff only."""
    thread = PromoComment.objects.filter(promo=promo).select_related("author")
    if not is_staff_role(user):
        thread = thread.filter(internal=False)
    return thread


def promo_page_queryset(user):
    return Promo.objects.restrict(user).select_related("supplier", "approved_revision", "created_by")


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
        self.today = today or date.today()

    def lines(self):
        return (self.promo.lines.select_related("product__category", "decided_by")
                .order_by("product__article"))

    def decidable_ids(self) -> set[int]:
        if self.promo.status != Promo.Status.SUBMITTED:
            return set()
        return set(PromoLine.objects.restrict(self.user, DECIDE).filter(promo=self.promo)
                   .values_list("pk", flat=True))

    def allowed_actions(self, decidable: set[int]) -> set[str]:
        """Which forms to offer. Only a hint for the page: the service checks again."""
        promo, user, status = self.promo, self.user, self.promo.status
        actions: set[str] = {"comment"}
        supplier_side = is_supplier_user(user) or is_marketer(user)
        if supplier_side and status == Promo.Status.DRAFT:
            actions.add("submit")
        if supplier_side and status == Promo.Status.REJECTED:
            # The way on from a rejection is a corrected sheet (a new revision goes back to
            # approval by itself); the page says so rather than leaving the supplier stuck.
            actions.add("reupload")
        if supplier_side and promo.can_transition_to(Promo.Status.WITHDRAWN):
            actions.add("withdraw")
        if is_supplier_user(user) and status == Promo.Status.APPROVED:
            actions |= {"request_extension", "request_cancellation"}
        if decidable:
            actions |= {"approve", "reject", "lines"}
        if is_marketer(user) and status == Promo.Status.APPROVED:
            actions |= {"cancel", "extend"}
        if is_marketer(user) and not promo.is_final:
            actions.add("targeting")
        if (is_marketer(user) or decidable) and not promo.is_final:
            actions |= {"correct", "line_correct"}
        return actions

    def context(self, bound: dict | None = None) -> dict:
        bound = bound or {}
        promo = self.promo
        lines = list(self.lines())
        decidable = self.decidable_ids()
        actions = self.allowed_actions(decidable)
        revision = revision_current(promo)
        diff = revision.diff if revision is not None and revision.number > 1 else {}
        staff = is_staff_role(self.user)
        formatter = ChangeFormatter()
        rows = line_rows(promo, lines, show_purchase=staff, diff=diff,
                         conflicts=promo_conflicts(promo) if staff else [], decidable=decidable,
                         formatter=formatter)
        forms = {}
        for name, form_class in self.FORMS.items():
            forms[name] = bound.get(name) or form_class(initial=self._initial(name), action=name)
        forms["lines"] = bound.get("lines") or wf.LineDecisionsForm(
            lines=[line for line in lines if line.pk in decidable], initial={"version": promo.version})
        forms["line_correct"] = bound.get("line_correct") or wf.LineCorrectForm(
            lines=promo.lines.select_related("product"), initial={"version": promo.version},
            action="line_correct")
        forms["comment"] = bound.get("comment") or wf.CommentForm(staff=staff)
        for row in rows:
            if row.decidable:
                row.decision_field = forms["lines"].decision_field(row.line)
                row.reason_field = forms["lines"].reason_field(row.line)
        rules = promo.rules
        on = max(self.today, promo.start) if self.today <= promo.end else promo.start
        return {
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
            "in_force_other": (promo.approved_revision is not None
                               and promo.approved_revision.number != promo.revision),
        }

    def _initial(self, name: str) -> dict:
        initial = {"version": self.promo.version}
        if name == "correct":
            initial |= {"start": self.promo.start, "end": self.promo.end}
        if name in ("extend", "request_extension"):
            initial["new_end"] = self.promo.end
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

class PromoActionView(LoginRequiredMixin, View):
    """POST a form of the promo page to a service. Success: a message and a redirect (POST-
    redirect-GET). Failure: the page again with the user's input and the service's message
    (409 for a stale version, so nothing is overwritten and nothing typed is lost)."""

    http_method_names = ["post"]
    action: str = ""
    success_message = gettext_lazy("Сохранено.")

    def get_queryset(self):
        return promo_page_queryset(self.request.user)

    def get_form(self, promo: Promo):
        return PromoPage.FORMS[self.action](self.request.POST, action=self.action)

    def perform(self, promo: Promo, form) -> None:
        raise NotImplementedError

    def post(self, request, pk):
        promo = get_object_or_404(self.get_queryset(), pk=pk)
        form = self.get_form(promo)
        if not form.is_valid():
            messages.error(request, _("Проверьте заполнение формы."))
            return PromoPage(request, promo).render({self.action: form}, status=INVALID_STATUS)
        try:
            self.perform(promo, form)
        except ApprovalError as exc:
            status = refusal_status(exc)
            messages.error(request, exc.message)
            # Show the promo as it is now, with the form as the user filled it in.
            promo = get_object_or_404(self.get_queryset(), pk=pk)
            return PromoPage(request, promo).render({self.action: form}, status=status)
        messages.success(request, self.success_message)
        return redirect(safe_next(request, promo.get_absolute_url()))


class PromoSubmitView(PromoActionView):
    action = "submit"
    success_message = gettext_lazy("Промо отправлено на согласование.")

    def perform(self, promo, form):
        approval.promo_submit(promo=promo, actor=self.request.user, version=form.cleaned_data["version"],
                              comment=form.cleaned_data["comment"])


class PromoWithdrawView(PromoActionView):
    action = "withdraw"
    success_message = gettext_lazy("Промо отозвано.")

    def perform(self, promo, form):
        approval.promo_withdraw(promo=promo, actor=self.request.user, version=form.cleaned_data["version"],
                                reason=form.cleaned_data["reason"])


class PromoRequestExtensionView(PromoActionView):
    action = "request_extension"
    success_message = gettext_lazy("Запрос на продление отправлен.")

    def perform(self, promo, form):
        approval.promo_request_extension(
            promo=promo, actor=self.request.user, new_end=form.cleaned_data["new_end"],
            reason=form.cleaned_data["reason"], version=form.cleaned_data["version"])


class PromoRequestCancellationView(PromoActionView):
    action = "request_cancellation"
    success_message = gettext_lazy("Запрос на отмену отправлен.")

    def perform(self, promo, form):
        approval.promo_request_cancellation(promo=promo, actor=self.request.user,
                                            reason=form.cleaned_data["reason"],
                                            version=form.cleaned_data["version"])


class PromoCancelView(PromoActionView):
    action = "cancel"
    success_message = gettext_lazy("Промо отменено.")

    def perform(self, promo, form):
        approval.promo_cancel(promo=promo, actor=self.request.user, reason=form.cleaned_data["reason"],
                              version=form.cleaned_data["version"])


class PromoExtendView(PromoActionView):
    action = "extend"
    success_message = gettext_lazy("Промо продлено; новая ревизия ушла на согласование.")

    def perform(self, promo, form):
        approval.promo_extend(promo=promo, actor=self.request.user, new_end=form.cleaned_data["new_end"],
                              reason=form.cleaned_data["reason"], version=form.cleaned_data["version"])


class PromoCorrectView(PromoActionView):
    action = "correct"
    success_message = gettext_lazy("Даты промо исправлены.")

    def perform(self, promo, form):
        data = form.cleaned_data
        approval.promo_correct(promo=promo, actor=self.request.user, reason=data["reason"],
                                  version=data["version"], start=data["start"], end=data["end"])


class LineCorrectView(PromoActionView):
    action = "line_correct"
    success_message = gettext_lazy("Строка исправлена.")

    def get_form(self, promo):
        return wf.LineCorrectForm(self.request.POST, lines=promo.lines.select_related("product"),
                                  action=self.action)

    def perform(self, promo, form):
        data = form.cleaned_data
        approval.line_correct(line=data["line"], actor=self.request.user, reason=data["reason"],
                                 version=data["version"], **form.changes())


class CommentAddView(PromoActionView):
    action = "comment"
    success_message = gettext_lazy("Комментарий добавлен.")

    def get_form(self, promo):
        return wf.CommentForm(self.request.POST, staff=is_staff_role(self.request.user))

    def perform(self, promo, form):
        comments.comment_add(promo=promo, actor=self.request.user, text=form.cleaned_data["text"],
                             internal=form.cleaned_data.get("internal", False))

