"""View helpers shared by the apps."""

from __future__ import annotations

from django.shortcuts import redirect


class FormPostMixin:
    """A view that takes only a form's POST. Its address asked with GET (the language switch or
    a reload after a refusal was shown at that address, Enter in the address bar, a bookmark)
    goes to the page the form is on, :meth:`form_page`, instead of a bare 405 page: no dead end."""

    def form_page(self, **kwargs) -> str:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        return redirect(self.form_page(**kwargs))
