"""A choice's label as pages show it (``get_<field>_display``, config/choices.py): in the
language of the request, whichever language asked first."""

from django.utils import translation

from promo.models import Promo, PromoEvent


def test_a_status_label_follows_the_active_language():
    promo = Promo(status=Promo.Status.SUBMITTED)
    # given the label asked in Russian first
    with translation.override("ru"):
        assert promo.get_status_display() == "На согласовании"
    # when an English page asks for it, then it reads in English
    with translation.override("en"):
        assert promo.get_status_display() == "Awaiting approval"
    # and a Russian page again in Russian
    with translation.override("ru"):
        assert promo.get_status_display() == "На согласовании"


def test_a_value_outside_the_choices_shows_as_stored():
    # given an event of a kind this version does not know (an old row, say)
    event = PromoEvent(kind="something_retired")
    # then the page shows the stored value, as Django does
    assert event.get_kind_display() == "something_retired"
