"""One change, one wording: a new promo price, a new discount, a later end, other branches and a
line decision read the same in the promo's history, on the promo page and in the e-mails, in
Russian (money «120,50») and in English («120.50»). promo/changes.py is the one formatter."""

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from branches.models import Branch, Region
from promo.changes import ChangeFormatter, field_label, money_text, percent_text
from promo.models import NotificationSettings, OutboxMessage, Promo, PromoEvent, PromoLine
from promo.services.events import event_record
from promo.services.revisions import revision_record
from promo.services.transitions import line_decide
from tests.promo.notifications.conftest import world  # noqa: F401 (the notification tests' world)

Kind = PromoEvent.Kind
pytestmark = pytest.mark.django_db

HISTORY_ROW = re.compile(r'<tr><td>(.*?)</td><td class="old">(.*?)</td><td class="new">(.*?)</td></tr>')
PAGE_TERM = re.compile(r'<li class="diff-changed">(.*?): <span class="old">(.*?)</span> → '
                       r'<span class="new">(.*?)</span></li>')
PAGE_LINE = re.compile(r'<tr class="diff-changed[^"]*"[^>]*data-article="([^"]+)">(.*?)</tr>', re.S)
PAGE_NOTE = re.compile(r'<small class="diff-note">(.*?): (.*?) → (.*?)</small>')
MAIL_ROW = re.compile(r"^  - (.+?): (.+) → (.+)$", re.M)


@pytest.fixture(autouse=True)
def default_language_afterwards():
    """A page request activates its reader's language in this thread: the next test starts in
    the default language again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def unescaped(rows) -> set[tuple[str, ...]]:
    return {tuple(html.unescape(part) for part in row) for row in rows}


def history_rows(client, promo) -> set[tuple[str, str, str]]:
    return unescaped(HISTORY_ROW.findall(client.get(reverse("promo:promo_history", args=[promo.pk])).content.decode()))


def page_rows(client, promo) -> set[tuple[str, str, str]]:
    """The revision diff of the promo page: the terms, then each changed line («article · label»)."""
    page = client.get(promo.get_absolute_url()).content.decode()
    rows = unescaped(PAGE_TERM.findall(page))
    for article, row in PAGE_LINE.findall(page):
        rows |= {(f"{article} · {label}", old, new) for label, old, new in unescaped(PAGE_NOTE.findall(row))}
    return rows


def mail_rows(event, username) -> set[tuple[str, str, str]]:
    return set(MAIL_ROW.findall(OutboxMessage.objects.get(event=event, recipient__username=username).body_text))


@pytest.fixture
def changed(world):  # noqa: F811
    """The world's promo in revision 2: one line's promo price 150,00 -> 120,50 and discount
    15 -> 12,5, the end a week later, other branches; announced to its people."""
    first, second = Region.objects.order_by("name")[:2]
    excluded = Branch.objects.filter(region=second).order_by("code").first()
    promo = world.promo
    line = promo.lines.select_related("product").get(product__category=world.categories[0])
    line.promo_price = Decimal("150.00")
    line.save()
    promo.targeting = {"regions": [first.pk]}
    promo.save()
    revision_record(promo=promo)

    # a corrected version by the supplier's user, recorded as revision 2 (history by that user)
    line.promo_price, line.discount_percent = Decimal("120.50"), Decimal("12.50")
    line._history_user = world.author
    line.save()
    promo.end = date(2027, 2, 21)
    promo.targeting = {"regions": [second.pk], "exclude": [excluded.pk]}
    promo.revision = 2
    promo._history_user = world.author
    promo.save()
    revision_record(promo=promo, actor=world.author)
    # A new revision is news for the category managers (the supplier's people hear of the upload).
    NotificationSettings.objects.create(user=world.managers[1], language="en")
    event = event_record(kind=Kind.REVISION_CREATED, actor=world.author, promo=promo)
    return {"promo": promo, "line": line, "event": event, "regions": (first, second), "excluded": excluded}


@pytest.mark.parametrize(("language", "reader"), [("ru", "km1"), ("en", "km2")])
def test_a_revisions_changes_read_the_same_in_history_on_the_page_and_in_the_mail(
        world, client, changed, language, reader):  # noqa: F811
    # given the reader's language
    client.force_login(world.author)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    article = changed["line"].product.article
    first, second = changed["regions"]
    with translation.override(language):
        money = {"old": money_text("150.00"), "new": money_text("120.50")}
        expected = {
            (f"{article} · {field_label('promo_price')}", money["old"], money["new"]),
            (f"{article} · {field_label('discount_percent')}", "15", percent_text("12.5")),
            (field_label("end"), "14.02.2027", "21.02.2027"),
            (field_label("targeting"), first.name,
             f"{second.name}; " + gettext("кроме %(codes)s") % {"codes": changed["excluded"].code}),
        }

    # when the history, the promo page and the reader's e-mail are read
    in_history = history_rows(client, changed["promo"])
    on_page = page_rows(client, changed["promo"])
    in_mail = mail_rows(changed["event"], reader)

    # then each change reads the same in all three: money in the reader's format, a percent as
    # the page shows it, dates dd.mm.yyyy, branches by name, labels in the reader's language
    assert expected <= in_history
    assert expected <= on_page
    assert expected <= in_mail
    words = {"ru": ("промо-цена", "120,50", "скидка, %", "12,50", "окончание", "филиалы"),
             "en": ("promo price", "120.50", "discount, %", "12.50", "end", "branches")}[language]
    assert all(any(word in part for row in expected for part in row) for word in words)


@pytest.mark.parametrize(("language", "reader", "rejected"), [("ru", "author", "Отклонено"),
                                                              ("en", "colleague", "Rejected")])
def test_a_line_decision_reads_as_its_label_everywhere(world, client, language, reader, rejected):  # noqa: F811
    # given a submitted promo and the reader's language
    NotificationSettings.objects.create(user=world.colleague, language="en")
    promo = world.promo
    promo.status = Promo.Status.SUBMITTED
    promo.save()
    line = promo.lines.select_related("product").get(product__category=world.categories[0])

    # when the category's manager rejects the line
    line_decide(line=line, actor=world.managers[0], decision=PromoLine.Decision.REJECTED, reason="Цена выше рынка")

    # then the history, the page and the mail name the decision, never its code
    client.force_login(world.author)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with translation.override(language):
        decision = field_label("decision")
        pending = str(PromoLine.Decision.PENDING.label)
    assert (f"{line.product.article} · {decision}", pending, rejected) in history_rows(client, promo)
    page = client.get(promo.get_absolute_url()).content.decode()
    assert f'<span class="badge rejected">{rejected}</span>' in page
    event = PromoEvent.objects.get(kind=Kind.LINE_DECIDED, promo=promo)
    text = OutboxMessage.objects.get(event=event, recipient__username=reader).body_text
    assert f"{line.product.article} {line.product.name}: {rejected} (Цена выше рынка)" in text
    assert "rejected" not in text.replace("Rejected", "")


@pytest.mark.parametrize(("language", "value", "text"), [
    ("ru", Decimal("1234.5"), "1\xa0234,50"), ("en", Decimal("1234.5"), "1,234.50"),
    ("ru", "15", "15,00"), ("en", 15, "15.00"),
])
def test_money_has_two_decimals_in_the_readers_format(language, value, text):
    # (thousands grouped, as every page writes money: floatformat:"2g")
    with translation.override(language):
        assert ChangeFormatter().value("promo_price", value) == text
        assert ChangeFormatter().value("regular_price", value) == text
        assert text == floatformat(Decimal(str(value)), "2g")


@pytest.mark.parametrize(("language", "value", "text"), [
    ("ru", "15.00", "15"), ("ru", Decimal("12.5"), "12,50"), ("en", "12.50", "12.50"), ("en", 20, "20"),
])
def test_a_percent_reads_as_on_the_promo_page(language, value, text):
    with translation.override(language):
        assert ChangeFormatter().value("discount_percent", value) == text
        assert ChangeFormatter().value("compensation_percent", value) == text


def test_values_that_are_not_what_they_claim_are_shown_as_they_are():
    # a text in a money field, a comment that looks like a date, nothing at all
    formatter = ChangeFormatter()
    assert formatter.value("promo_price", "много") == "много"
    assert formatter.value("comment", "2027-02-01") == "2027-02-01"
    assert formatter.value("end", "2027-02-01") == "01.02.2027"
    assert formatter.value("end", "не дата") == "не дата"
    assert formatter.value("decision", "unknown") == "unknown"
    assert formatter.value("start", None) == formatter.value("comment", "") == "—"


def test_targeting_names_are_loaded_once_for_many_rows(django_assert_max_num_queries):
    # given 50 changes of branches between the regions, each leaving two branches out
    regions = list(Region.objects.order_by("name"))
    branches = list(Branch.objects.order_by("-code")[:2])
    raw = [("", "targeting", {"regions": [regions[i % len(regions)].pk]},
            {"chain": True, "exclude": [b.pk for b in branches]}) for i in range(50)]

    # when they are formatted, then the names cost one query per kind, not one per row
    with django_assert_max_num_queries(2), translation.override("ru"):
        rows = ChangeFormatter().rows(raw)

    # and read as Targeting.describe() words them: names, branch codes in order
    codes = ", ".join(sorted(b.code for b in branches))
    assert {row.new for row in rows} == {f"Вся сеть; кроме {codes}"}
    assert [row.old for row in rows[:len(regions)]] == [region.name for region in regions]
