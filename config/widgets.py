"""Form widgets written in one pass of Python, for the choices a page draws by the hundred
(issue 12): Django's ``Select`` renders a template include per ``<option>``, which costs about
a tenth of a millisecond each; a promo list's filter of 300 branches or a 300-line promo's
choice of the line to correct then costs tens of milliseconds."""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from config.parsing import parse_id


class FlatSelect(forms.Select):
    """A ``<select>`` written in one pass of Python: the markup of ``forms.Select``, without a
    template include per option (tests/promo/views/test_promo_lines.py holds both to the
    same markup). Works for a multiple choice too (:class:`FlatSelectMultiple`)."""

    @staticmethod
    def _attrs(attrs: dict) -> str:
        """django/forms/widgets/attrs.html: `` name="value"``, a bare name for True, nothing for False."""
        return format_html_join("", " {}{}", (
            (name, "" if value is True else format_html('="{}"', value)) for name, value in attrs.items()
            if value is not False))

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group_name, options, _index in widget["optgroups"]:
            html = format_html_join("", '\n  <option value="{}"{}>{}</option>', (
                (str(option["value"]), self._attrs(option["attrs"]), option["label"]) for option in options))
            parts.append(format_html('\n  <optgroup label="{}">{}\n  </optgroup>', group_name, html) if group_name else html)
        return format_html('<select name="{}"{}>{}\n</select>', widget["name"], self._attrs(widget["attrs"]),
                           mark_safe("".join(parts)))  # noqa: S308 - the parts were escaped by format_html


class FlatSelectMultiple(FlatSelect, forms.SelectMultiple):
    """``forms.SelectMultiple`` written as :class:`FlatSelect` writes a ``Select``."""


class LazySelect(FlatSelect):
    """A single choice among hundreds (a list's supplier or branch filter) whose options the
    page does not write: only the empty choice and the chosen one, its label read for that
    value alone. static/js/pickers.js turns it into a searchable Tom Select that loads every
    option from ``data-options-url`` (set by whoever knows the URL: promo/filtersets.py) the
    first time it is opened. The form's field validates and filters as with a full select;
    without JavaScript the chosen value can be kept or cleared, not changed for another. For
    a model choice by id (``to_field_name`` unset)."""

    def chosen_choices(self, values: list[str]) -> list:
        """The empty choice and those of ``values`` that are choices: a model field's read in
        one query by id (a malformed id is left out, as the field refuses it)."""
        values = [str(value) for value in values if value not in ("", None)]
        choices = self.choices
        if not isinstance(choices, ModelChoiceIterator):
            return [(value, label) for value, label in choices if value in ("", None) or str(value) in values]
        field = choices.field
        found = [] if field.empty_label is None else [("", field.empty_label)]
        ids = [pk for pk in map(parse_id, values) if pk is not None]
        if ids:
            found += [choices.choice(obj) for obj in choices.queryset.filter(pk__in=ids)]
        return found

    def optgroups(self, name, value, attrs=None):
        every = self.choices
        self.choices = self.chosen_choices(value)
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = every
