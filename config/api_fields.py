"""Serializer fields for the API's request bodies that read exactly what the schema says.

DRF's own fields are lenient in ways a schema cannot describe: a ``CharField`` takes the number
``0`` for the text "0", a ``BooleanField`` takes ``1``, ``"yes"`` or ``"on"``, an ``IntegerField``
takes ``"1.0"`` and ``1.0`` (and, in JSON, the string ``"1"``), and in form data an empty value of
an optional field means "not sent" (so ``date=`` becomes today). A client reading the schema
expects a string, ``true`` / ``false``, a whole number, a ``YYYY-MM-DD`` date, a string matching
its pattern; these fields accept exactly that in JSON (or the same text in form data and query
strings, where every value is text) and answer anything else with the field's 400 (``code:
invalid``, ``fields`` naming it). Use them in every API request body (docs/development/api.md).

A request body is a :class:`StrictBodySerializer` (or has :class:`StrictBodyMixin`, for a
``ModelSerializer``): DRF drops a key its serializer does not declare without a word, so a
typo (``dry_run`` for a flag that does not exist, ``is_internal`` for ``internal``) would run the
request as if it had not been sent. Here a field the body does not declare is a 400 naming it
(«Неизвестное поле.»), a read-only one too («Поле только для чтения.»), nested bodies alike
(``promos.0.note``). An operation without a body reads it with :func:`no_body`. The schema says
so: every request body is ``additionalProperties: false`` (``config/api_schema.py``)."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.settings import api_settings
from rest_framework.utils import html

from config.parsing import MAX_ID

NOT_TEXT = _("Нужна строка.")
NOT_BOOLEAN = _("Нужно логическое значение: true или false.")
NOT_INTEGER = _("Нужно целое число.")
NOT_DATE = _("Дата в формате ГГГГ-ММ-ДД.")
UNKNOWN_FIELD = _("Неизвестное поле.")
READ_ONLY_FIELD = _("Поле только для чтения.")

# The schema's pattern of a text that is not blank once trimmed as DRF and Django trim it
# (``str.strip``): some character that is neither whitespace to ECMA regular expressions (``\s``)
# nor one of the separators Python strips besides them.
NOT_BLANK_PATTERN = r"[^\s\x1c-\x1f\x85]"

# What a form posted with a portal session (the browsable API) carries next to its fields.
FORM_EXTRAS = frozenset({"csrfmiddlewaretoken"})


class _EmptyFormValueIsAValue:
    """In form data an empty value is a value (invalid unless the field allows blanks), not
    "not sent": the schema has no way to say that ``""`` means "absent"."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)

    def _text_input(self) -> bool:
        """Whether the body is form data (or a query string), where every value is text: there
        ``"1"`` and ``"true"`` are the number and the boolean; in JSON they are strings."""
        return html.is_html_input(getattr(self.root, "initial_data", None))


class StrictCharField(_EmptyFormValueIsAValue, serializers.CharField):
    default_error_messages = {"invalid": NOT_TEXT}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(_EmptyFormValueIsAValue, serializers.BooleanField):
    default_error_messages = {"invalid": NOT_BOOLEAN}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and self._text_input() and data.strip().lower() in ("true", "false"):
            return data.strip().lower() == "true"
        self.fail("invalid", input=data)


class StrictIntegerField(_EmptyFormValueIsAValue, serializers.IntegerField):
    default_error_messages = {"invalid": NOT_INTEGER}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, str)) or (isinstance(data, str)
                                                                          and not self._text_input()):
            self.fail("invalid")
        if isinstance(data, str):
            text = data.strip()
            digits = text.removeprefix("-")
            if not (digits.isascii() and digits.isdigit()):
                self.fail("invalid")
            data = int(text)
        return super().to_internal_value(data)


class StrictDateField(_EmptyFormValueIsAValue, serializers.DateField):
    default_error_messages = {"invalid": NOT_DATE}

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class StrictChoiceField(_EmptyFormValueIsAValue, serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictRegexField(_EmptyFormValueIsAValue, serializers.RegexField):
    # "invalid" stays the pattern's message (DRF's RegexField builds its validator with it).
    default_error_messages = {"not_text": NOT_TEXT}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text")
        return super().to_internal_value(data)


# No docstrings on the bodies' bases: drf-spectacular would describe every body that has none
# of its own with them.
class StrictBodyMixin:
    # A request body refusing the keys it does not declare (400, ``fields`` naming each of
    # them, next to any other field's error); Django's CSRF token is not a field of a form.

    def to_internal_value(self, data):
        undeclared = self._undeclared(data) if isinstance(data, Mapping) else {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not undeclared:
                raise
            detail = exc.detail if isinstance(exc.detail, dict) else {api_settings.NON_FIELD_ERRORS_KEY: exc.detail}
            raise serializers.ValidationError({**detail, **undeclared}) from None
        if undeclared:
            raise serializers.ValidationError(undeclared)
        return value

    def _undeclared(self, data: Mapping) -> dict[str, list]:
        writable = {field.field_name for field in self._writable_fields}
        read_only = {name for name, field in self.fields.items() if field.read_only}
        extras = FORM_EXTRAS if html.is_html_input(data) else frozenset()
        return {str(name): [READ_ONLY_FIELD if name in read_only else UNKNOWN_FIELD]
                for name in data if name not in writable and name not in extras}


class StrictBodySerializer(StrictBodyMixin, serializers.Serializer):
    pass  # the base of every API request body (see the module's docstring)


class NoBodySerializer(StrictBodySerializer):
    pass  # the body of an operation that reads none: nothing, ``{}``, or an empty form


def no_body(request) -> None:
    """Refuse a body sent to an operation that reads none (each key named, as any unknown field)."""
    NoBodySerializer(data=request.data).is_valid(raise_exception=True)
