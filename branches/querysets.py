"""Visibility of reference data. Branch data is not secret: every signed-in user may read it
(suppliers need it to target their promos); anonymous users see nothing."""

from django.db import models


class ReferenceQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        """The one entry point for visibility (STYLE.md §5).

        Everyone signed in may view; changing reference data is for administrators
        (Django admin checks model permissions itself)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if action == "view" or user.is_superuser:
            return self
        return self.none()


def open_on_condition(day) -> models.Q:
    """A branch trades on ``day``: opened on or before it and not closed by then."""
    return ((models.Q(opened__isnull=True) | models.Q(opened__lte=day))
            & (models.Q(closed__isnull=True) | models.Q(closed__gt=day)))


class BranchQuerySet(ReferenceQuerySet):
    def open_on(self, day):
        """Branches trading on ``day`` (:func:`open_on_condition`)."""
        return self.filter(open_on_condition(day))
