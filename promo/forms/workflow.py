"""Forms of the approval workflow pages: transitions, line decisions, comments, targeting and
mass corrections (the list filters are in promo/forms/filtersets.py).

Every form that changes a promo carries the ``version`` the page was rendered with; the
service compares it with the current one (optimistic locking), so the form never decides
whether a move is allowed: it only parses input. Numbers and dates are parsed here, never
limited: the limits are the rules of :mod:`promo.rules`, which the services apply and word
as a sheet would."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.models import Branch, BranchGroup, City, Region
from branches.targeting import (
    Targeting,
    chain_with_picks_message,
    unreached_exclusions,
    unreached_exclusions_message,
)
from branches.widgets import BranchPicker, Picker, branch_choices, city_choices
from config.forms import IdsChoiceField
from config.parsing import parse_id
from config.widgets import FlatSelect
from promo.models import Promo, PromoLine
from promo.rules import REASON_MAX_LENGTH
from promo.services.corrections import MECHANIC_FIELDS

REASON_REQUIRED = _("Укажите причину.")
REASON_LABEL = _("Причина")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _reason_field(*, required: bool, label=REASON_LABEL) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": REASON_REQUIRED},
    )


def _number_field(label, *, size: int = 6) -> forms.DecimalField:
    """A number as typed (``15``, ``15,5``); its range is a rule the service checks."""
    return forms.DecimalField(label=label, required=False, localize=True,
                              widget=forms.TextInput(attrs={"inputmode": "decimal", "size": size}))


class VersionedForm(forms.Form):
    """Base of every form that changes a promo: the hidden version the user saw."""

    version = forms.IntegerField(label=_("Версия"), widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, action: str = "", **kwargs):
        # Several forms share one page: ids are prefixed with the action so they stay unique.
        kwargs.setdefault("auto_id", f"id_{action}_%s" if action else "id_%s")
        super().__init__(*args, **kwargs)

    def showing(self, promo) -> None:
        """After a refusal the page shows ``promo`` as it is now, with what the user typed: the
        form then carries the version the page shows, so pressing again acts on what the user
        sees (it kept the refused one, and every press, or a reload, was refused again)."""
        if self.is_bound:
            self.data = self.data.copy()
            self.data["version"] = str(promo.version)


class SubmitForm(VersionedForm):
    comment = _reason_field(required=False, label=_("Комментарий"))


BELOW_FLOOR_LABEL = _("согласовать ниже порога")
NOTHING_CHOSEN = _("Не выбрано ни одного решения.")
# Saving the decisions the page shows, unchanged: a success that changes nothing.
DECISIONS_UNCHANGED = _("Решения не изменились.")
BELOW_FLOOR_REASON_LABEL = _("Причина согласования ниже порога")


class ApproveForm(VersionedForm):
    """Accept the manager's lines; ``below_floor`` with its reason lets lines under the price
    floor through (the page drops both fields when no line of his is under it)."""

    comment = _reason_field(required=False, label=_("Комментарий"))
    below_floor = forms.BooleanField(label=BELOW_FLOOR_LABEL, required=False)
    below_floor_reason = _reason_field(required=False, label=BELOW_FLOOR_REASON_LABEL)

    def floor_reason(self) -> str | None:
        """The override reason when the box is ticked (the service requires it), else None."""
        return self.cleaned_data.get("below_floor_reason", "") if self.cleaned_data.get("below_floor") else None


class RejectForm(VersionedForm):
    reason = _reason_field(required=True, label=_("Причина отклонения"))


class WithdrawForm(VersionedForm):
    reason = _reason_field(required=False)


class CancelForm(VersionedForm):
    reason = _reason_field(required=True, label=_("Причина отмены"))


class NewEndForm(VersionedForm):
    new_end = forms.DateField(label=_("Новая дата окончания"), widget=DATE_WIDGET)
    reason = _reason_field(required=True)


class ExtendForm(NewEndForm):
    """Marketer: extend the promo (a new revision that goes back for approval)."""


class RequestExtensionForm(NewEndForm):
    """Supplier: ask for a longer period."""


class RequestCancellationForm(VersionedForm):
    reason = _reason_field(required=True)


class PromoCorrectForm(VersionedForm):
    """A point correction of the promo's dates."""

    start = forms.DateField(label=_("Начало"), widget=DATE_WIDGET)
    end = forms.DateField(label=_("Окончание"), widget=DATE_WIDGET)
    reason = _reason_field(required=True, label=_("Причина корректировки"))


class LineCorrectForm(VersionedForm):
    """A point correction of one line; only the fields filled in are changed. ``lines`` are
    the lines the user may correct; ``mechanic`` keeps only the fields it uses."""

    line = forms.ModelChoiceField(label=_("Строка"), queryset=PromoLine.objects.none(), widget=FlatSelect)
    discount_percent = _number_field(_("Скидка, %"))
    promo_price = _number_field(_("Промо-цена"), size=8)
    compensation_percent = _number_field(_("Компенсация, %"))
    reason = _reason_field(required=True, label=_("Причина корректировки"))

    CHANGE_FIELDS = ("discount_percent", "promo_price", "compensation_percent")

    def __init__(self, *args, lines=None, mechanic: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if lines is not None:
            self.fields["line"].queryset = lines
        self.fields["line"].label_from_instance = lambda line: f"{line.product.article} {line.product.name}"
        if mechanic in MECHANIC_FIELDS:
            for name in set(self.CHANGE_FIELDS) - MECHANIC_FIELDS[mechanic]:
                del self.fields[name]

    def offer(self, lines) -> None:
        """Draw the choice of line from ``lines`` (loaded with their products, in the queryset's
        order) rather than query them again; a POST still validates against the queryset."""
        field = self.fields["line"]
        field.choices = [("", field.empty_label), *((line.pk, field.label_from_instance(line)) for line in lines)]

    def clean(self):
        cleaned = super().clean()
        # A value typed but not valid («abc») has its own error: «none given» would be untrue.
        if not self.changes() and not any(name in self.errors for name in self.CHANGE_FIELDS):
            raise forms.ValidationError(_("Укажите хотя бы одно новое значение."))
        return cleaned

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.CHANGE_FIELDS
                if name in self.fields and self.cleaned_data.get(name) is not None}


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Комментарий"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("Напишите текст комментария.")})
    internal = forms.BooleanField(label=_("внутренний"), required=False,
                                  help_text=_("Виден только сотрудникам сети."))

    def __init__(self, *args, staff: bool = False, **kwargs):
        kwargs.setdefault("auto_id", "id_comment_%s")
        super().__init__(*args, **kwargs)
        # Suppliers cannot write internal comments: the field does not exist for them.
        if not staff:
            del self.fields["internal"]


@dataclass(frozen=True, slots=True)
class DecisionCell:
    """What the decision cell of one line shows: plain values, not form fields, so a page of
    300 lines renders 300 cells from one set of choices (:attr:`LineDecisionsForm.CHOICES`).
    ``checked`` is the choice ticked ("" undecided), ``reason`` the text in the reason box,
    ``below_floor`` whether «согласовать ниже порога» is ticked, ``errors`` the reason's."""

    line_id: int
    checked: str
    reason: str
    below_floor: bool
    errors: tuple[str, ...] = ()


class LineDecisionsForm(VersionedForm):
    """Decisions on the lines a manager may decide: ``decision_<id>`` and ``reason_<id>`` per
    line. ``accept_rest`` turns lines left undecided into accepted ones.

    Only a bound form (a POST) gets fields per line, to parse and validate them; the page draws
    every line's inputs from :meth:`cell` and :attr:`CHOICES` (the names, values and ids the
    fields would render), whether the form is unbound or bound and refused."""

    ACCEPT, REJECT = PromoLine.Decision.ACCEPTED, PromoLine.Decision.REJECTED
    CHOICES = [("", _("не решено")), (ACCEPT, _("Принять")), (REJECT, _("Отклонить"))]
    # The inputs sit in the lines table, outside the <form> element, and join it by its id.
    HTML_ID = "lines-form"
    REASON_MAX_LENGTH = REASON_MAX_LENGTH
    _CHECKBOX = forms.CheckboxInput()  # reads a posted box as the field would (``"false"`` is unticked)

    def __init__(self, *args, lines=(), **kwargs):
        kwargs.setdefault("action", "lines")
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        if not self.is_bound:
            return
        for line in self.lines:
            self.fields[f"decision_{line.pk}"] = forms.ChoiceField(
                label=line.product.article, choices=self.CHOICES, required=False)
            self.fields[f"reason_{line.pk}"] = forms.CharField(
                label=_("Причина"), required=False, max_length=self.REASON_MAX_LENGTH)
            # Accepting a line under the price floor: ticked, the reason field gives the reason.
            self.fields[f"below_floor_{line.pk}"] = forms.BooleanField(label=BELOW_FLOOR_LABEL, required=False)

    def cell(self, line) -> DecisionCell:
        """The inputs of ``line`` as the page shows them: what the user posted (a refused form
        keeps it), else the stored decision and reason."""
        pk = line.pk
        if not self.is_bound:
            checked = line.decision if line.decision != PromoLine.Decision.PENDING else ""
            return DecisionCell(line_id=pk, checked=checked, reason=line.decision_reason,
                                below_floor=line.below_floor is not None)
        name = f"reason_{pk}"
        return DecisionCell(
            line_id=pk, checked=self.data.get(f"decision_{pk}") or "", reason=self.data.get(name) or "",
            below_floor=self._CHECKBOX.value_from_datadict(self.data, {}, f"below_floor_{pk}"),
            errors=tuple(str(error) for error in self.errors.get(name, ())))

    def floor_overrides(self) -> dict[int, str]:
        """``{line_id: reason}`` of the lines ticked «согласовать ниже порога»."""
        return {line.pk: (self.cleaned_data.get(f"reason_{line.pk}") or "").strip() for line in self.lines
                if self.cleaned_data.get(f"below_floor_{line.pk}")}

    def decisions(self, *, accept_rest: bool = False) -> dict[int, tuple[str, str]]:
        """``{line_id: (decision, reason)}`` for the lines whose choice differs from what is
        stored (or every pending line, with ``accept_rest``)."""
        result: dict[int, tuple[str, str]] = {}
        for line in self.lines:
            decision = self.cleaned_data.get(f"decision_{line.pk}") or ""
            reason = (self.cleaned_data.get(f"reason_{line.pk}") or "").strip()
            if not decision and accept_rest and line.decision == PromoLine.Decision.PENDING:
                decision = self.ACCEPT
            if not decision:
                continue
            if decision == line.decision and reason == line.decision_reason:
                continue
            result[line.pk] = (decision, reason)
        return result

    def chosen(self) -> bool:
        """Some line has a choice (the page shows the stored ones ticked): pressing «Сохранить
        решения» again without changing them is no mistake, it just changes nothing."""
        return any(self.cleaned_data.get(f"decision_{line.pk}") for line in self.lines)

    def clean(self):
        cleaned = super().clean()
        accept_rest = self.data.get("accept_rest") is not None
        if not self.errors and not self.decisions(accept_rest=accept_rest) and not self.chosen():
            raise forms.ValidationError(NOTHING_CHOSEN)
        return cleaned


class RequestAnswerForm(forms.Form):
    """A marketer's (or a manager's) answer to a supplier's request: the reason (required to
    decline, the service says so)."""

    reason = _reason_field(required=False, label=_("Ответ поставщику"))

    def __init__(self, *args, request_id: int | None = None, **kwargs):
        kwargs.setdefault("auto_id", f"id_request_{request_id}_%s" if request_id else "id_request_%s")
        super().__init__(*args, **kwargs)


class TargetingForm(VersionedForm):
    """The targeting editor: the whole chain or regions / cities / groups / branches, minus
    excluded branches."""

    chain = forms.BooleanField(label=_("Вся сеть"), required=False)
    regions = IdsChoiceField(label=_("Регионы"), required=False,
                                             queryset=Region.objects.all())
    cities = IdsChoiceField(label=_("Города"), required=False,
                                            queryset=City.objects.select_related("region"))
    groups = IdsChoiceField(label=_("Группы филиалов"), required=False,
                                            queryset=BranchGroup.objects.all())
    branches = IdsChoiceField(label=_("Филиалы"), required=False,
                                              queryset=Branch.objects.all())
    exclude = IdsChoiceField(label=_("Кроме филиалов"), required=False,
                                             queryset=Branch.objects.all())
    reason = _reason_field(required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("action", "targeting")
        super().__init__(*args, **kwargs)
        # Searchable pickers with chips (branches.widgets, static/js/pickers.js); branches and
        # cities grouped by region and city, the branches read once for both branch fields.
        find, find_branch = _("Найти"), _("Найти: код, название или город")
        branches = branch_choices()
        pickers = {
            "regions": Picker(placeholder=find), "cities": Picker(choices=city_choices(), placeholder=find),
            "groups": Picker(placeholder=find),
            "branches": BranchPicker(choices=branches, placeholder=find_branch),
            "exclude": BranchPicker(choices=branches, placeholder=find_branch),
        }
        for name, widget in pickers.items():
            widget.choices = widget.choices or self.fields[name].choices
            self.fields[name].widget = widget

    @classmethod
    def initial_for(cls, promo: Promo) -> dict:
        rules = promo.rules
        return {
            "version": promo.version, "chain": rules.chain, "regions": list(rules.regions),
            "cities": list(rules.cities), "groups": list(rules.groups),
            "branches": list(rules.branches), "exclude": list(rules.exclude),
        }

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if self.targeting().chain_with_picks:
            self.add_error(None, chain_with_picks_message())
        elif unreached := unreached_exclusions(self.targeting()):
            self.add_error("exclude", unreached_exclusions_message(unreached))
        return cleaned

    def targeting(self) -> Targeting:
        data = self.cleaned_data

        def pks(name):
            return tuple(obj.pk for obj in data.get(name) or ())

        return Targeting(chain=bool(data.get("chain")), regions=pks("regions"), cities=pks("cities"),
                         groups=pks("groups"), branches=pks("branches"), exclude=pks("exclude"))


class MassCorrectionForm(forms.Form):
    """What to change on the selected lines; ``line_ids`` are the ticked lines, and on apply
    ``version_<promo id>`` carry the versions the preview was computed from."""

    PREVIEW, APPLY = "preview", "apply"

    line_ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), label=_("Строки"), error_messages={
        "required": _("Отметьте хотя бы одну строку."),
        "invalid_choice": _("Строка %(value)s недоступна."),
    })
    shift_days = forms.IntegerField(label=_("Сдвиг дат, дней"), required=False,
                                    widget=forms.NumberInput(attrs={"size": 5}))
    discount_percent = _number_field(_("Новая скидка, %"))
    compensation_percent = _number_field(_("Новая компенсация, %"))
    reason = _reason_field(required=False, label=_("Причина корректировки"))
    action = forms.ChoiceField(label=_("Действие"), choices=[(PREVIEW, PREVIEW), (APPLY, APPLY)],
                               widget=forms.HiddenInput)

    def __init__(self, *args, lines=None, **kwargs):
        kwargs.setdefault("auto_id", "id_mass_%s")
        super().__init__(*args, **kwargs)
        self.lines_queryset = lines
        if self.is_bound and lines is not None:
            posted = {parse_id(value) for value in self.data.getlist("line_ids")} - {None}
            allowed = lines.filter(pk__in=posted).values_list("pk", flat=True)
            self.fields["line_ids"].choices = [(pk, pk) for pk in allowed]

    def clean(self):
        cleaned = super().clean()
        nothing = (not cleaned.get("shift_days") and cleaned.get("discount_percent") is None
                   and cleaned.get("compensation_percent") is None)
        if not self.errors and nothing:
            raise forms.ValidationError(_("Укажите сдвиг дат, скидку или компенсацию."))
        if cleaned.get("action") == self.APPLY and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", REASON_REQUIRED)
        return cleaned

    @property
    def is_apply(self) -> bool:
        return self.cleaned_data.get("action") == self.APPLY

    def params(self) -> dict:
        data = self.cleaned_data
        return {
            "shift_days": data.get("shift_days") or 0,
            "discount_percent": data.get("discount_percent"),
            "compensation_percent": data.get("compensation_percent"),
        }

    def versions(self) -> dict[int, int]:
        versions = {parse_id(key.removeprefix("version_")): parse_id(value) for key, value in self.data.items()
                    if key.startswith("version_")}
        return {pk: version for pk, version in versions.items() if pk is not None and version is not None}


__all__ = [
    "ApproveForm",
    "CancelForm",
    "CommentForm",
    "DecisionCell",
    "ExtendForm",
    "LineCorrectForm",
    "LineDecisionsForm",
    "MassCorrectionForm",
    "PromoCorrectForm",
    "RejectForm",
    "RequestAnswerForm",
    "RequestCancellationForm",
    "RequestExtensionForm",
    "SubmitForm",
    "TargetingForm",
    "WithdrawForm",
]
