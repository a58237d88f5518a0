"""Regressions found by the quality pass on the workflow pages: each test is a bug a user met."""

import re
from datetime import date

from django.urls import reverse

CALENDAR = reverse("promo:calendar")


def test_calendar_later_and_earlier_links_move_the_window(client_for, make_promo):
    # given the calendar of 4 weeks from 05.04.2027 with a region filter
    client = client_for("marketer")
    page = client.get(CALENDAR, {"start": "2027-04-05", "weeks": 4, "region": 1}).content.decode()

    # when the marketer follows «позже» and then «раньше»
    later_href, = re.findall(r'<a href="([^"]*)">[^<]*позже', page)
    later = client.get(CALENDAR + later_href.replace("&amp;", "&"))
    earlier_href, = re.findall(r'<a href="([^"]*)">[^<]*раньше', later.content.decode())
    earlier = client.get(CALENDAR + earlier_href.replace("&amp;", "&"))

    # then the window moves four weeks each way and keeps the filter
    assert later_href.startswith("?") and "??" not in later_href
    assert later.context["first"] == date(2027, 5, 3)
    assert earlier.context["first"] == date(2027, 4, 5)
    assert later.context["form"].cleaned_data["region"].pk == 1
