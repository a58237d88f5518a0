"""Form fields shared by the apps."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from config.parsing import parse_id


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """``ModelMultipleChoiceField`` by id that refuses a value which cannot be an id before any
    query: SQLite (``make run``) cannot even bind a number beyond 2**63 - 1 and answered 500
    for a forged ``regions=99999999999999999999``; PostgreSQL found no row."""

    def _check_values(self, value):
        for pk in value:
            if parse_id(pk) is None:
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": pk})
        return super()._check_values(value)
