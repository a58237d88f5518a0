"""Form widgets written in one pass of Python, for the choices a page draws by the hundred
(issue 12): Django's ``Select`` renders a template include per ``<option>``, which costs about
a tenth of a millisecond each; a promo list's filter of 300 branches or a 300-line promo's
choice of the line to correct then costs tens of milliseconds."""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.widgets import ChoiceWidget
from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from config.parsing import parse_id


class FlatSelect(forms.Select):
    """A ``<select>`` written in one pass of Python: the markup of ``forms.Select``, without a
    template include per option, nor the option dictionaries ``Select.optgroups`` builds for
    the templates (tests/promo/views/test_promo_lines.py holds both to the same markup). Works
    for a multiple choice too (:class:`FlatSelectMultiple`)."""

    @staticmethod
    def _attrs(attrs: dict) -> str:
        """django/forms/widgets/attrs.html: `` name="value"``, a bare name for True, nothing for False."""
        return format_html_join("", " {}{}", (
            (name, "" if value is True else format_html('="{}"', value)) for name, value in attrs.items()
            if value is not False))

    def written_choices(self, values: list[str]):
        """The choices the select writes (all of them; :class:`LazySelect` writes fewer)."""
        return self.choices

    def option_attrs(self, choices) -> dict[str, dict]:
        """Attributes some options carry besides ``value`` and ``selected``, by value (none
        here; branches.widgets.BranchPicker tells each branch's city and region)."""
        return {}

    def options_html(self, choices, values: list[str]) -> str:
        """The ``<option>`` (and ``<optgroup>``) markup of ``choices``, the chosen ``values``
        selected as ``Select.optgroups`` selects them (a single choice: the first match only)."""
        chosen = set(values)
        extra = {value: "".join(f" {name}" if attr is True else f' {name}="{escape(attr)}"'
                                for name, attr in attrs.items() if attr is not False)
                 for value, attrs in self.option_attrs(choices).items()}
        multiple = self.allow_multiple_selected
        has_selected = False
        parts = []
        for option_value, option_label in choices:
            if option_value is None:
                option_value = ""
            grouped = isinstance(option_label, list | tuple)
            html = []
            for subvalue, sublabel in (option_label if grouped else ((option_value, option_label),)):
                selected = (not has_selected or multiple) and str(subvalue) in chosen
                has_selected |= selected
                value = str(subvalue)
                html.append(f'\n  <option value="{escape(value)}"{" selected" if selected else ""}'
                            f'{extra.get(value, "")}>{conditional_escape(sublabel)}</option>')
            html = "".join(html)
            parts.append(f'\n  <optgroup label="{escape(option_value)}">{html}\n  </optgroup>'
                         if grouped and option_value else html)
        return "".join(parts)

    def render(self, name, value, attrs=None, renderer=None):
        if type(self).create_option is not ChoiceWidget.create_option:
            # A subclass adds to each option (branches.widgets.BranchPicker): its dictionaries.
            return self._render_optgroups(name, value, attrs)
        values = self.format_value(value)
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        options = self.options_html(self.written_choices(values), values)
        # the options were escaped above (escape / conditional_escape of every value and label)
        return format_html('<select name="{}"{}>{}\n</select>', name, self._attrs(attrs),
                           mark_safe(options))  # noqa: S308

    def _render_optgroups(self, name, value, attrs=None) -> str:
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


#: The query parameter of a list page asking a :class:`LazySelect` (by its field's name) to
#: write every option: the way to change the choice without JavaScript.
ALL_OPTIONS = "all_options"


class LazySelect(FlatSelect):
    """A single choice among hundreds (a list's supplier or branch filter) whose options the
    page does not write: only the empty choice and the chosen one, its label read for that
    value alone. static/js/pickers.js turns it into a searchable Tom Select that loads every
    option from ``data-options-url`` (set by whoever knows the URL: promo/filtersets.py) the
    first time it is opened. The form's field validates and filters as with a full select.
    For a model choice by id (``to_field_name`` unset).

    Without JavaScript a ``<noscript>`` button next to the select («Показать все варианты»)
    sends the form (a list's GET filter form: the other filters as they are) with
    ``all_options=<the field's name>``; the page then writes every option of this select,
    the chosen one selected, and the choice can be changed for another."""

    all_options = False

    def value_from_datadict(self, data, files, name):
        # The form's data is seen here only (render gets the value): remember whether the page
        # asked for every option of this select. Forms copy their widgets, so this is per form.
        self.all_options = name in (data.getlist(ALL_OPTIONS) if hasattr(data, "getlist")
                                    else [data.get(ALL_OPTIONS)])
        return super().value_from_datadict(data, files, name)

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

    def written_choices(self, values: list[str]):
        return self.choices if self.all_options else self.chosen_choices(values)

    def optgroups(self, name, value, attrs=None):
        every = self.choices
        self.choices = self.written_choices(value)
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = every

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        if self.all_options:
            return html
        return format_html('{}<noscript><button type="submit" class="link" name="{}" value="{}">{}</button></noscript>',
                           html, ALL_OPTIONS, name, _("Показать все варианты"))
