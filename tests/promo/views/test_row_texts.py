"""The rows of the list pages written once in Python (issue 12): the promo list, the calendar's
bars, the activity log, the home page's recent promos and the promo page's conflict cells say what their templates said with ``get_absolute_url``,
``get_<field>_display``, ``{% url %}``, ``{% translate %}`` and the date filters, in Russian
and in English, with every user's text escaped."""

import re

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from promo.models import Promo, PromoEvent
from promo.views.history import activity_rows
from promo.views.list_rows import list_rows
from promo.views.promo_lines import ConflictCell, ConflictMarkup, OtherPromo
from promo.views.row_texts import PromoTexts, pk_url

LIST = reverse("promo:promo_list")
CALENDAR = reverse("promo:calendar")
LOG = reverse("promo:activity_log")


def in_language(client, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def template_says(source: str, **context) -> str:
    return Template(source).render(Context(context))


@pytest.fixture
def revised(make_promo):
    """An approved promo whose revision 1 is in force while revision 2 is its current one, with
    a name to escape."""
    promo = make_promo(status=Promo.Status.APPROVED, name='Весна <b>&</b> "лето"')
    promo.approved_revision = promo.revisions.get()
    promo.revision = 2
    promo.save()
    return Promo.objects.select_related("supplier", "approved_revision").get(pk=promo.pk)


def test_a_promo_url_is_reversed_once_and_reads_as_reversed_each_time(make_promo):
    # given a promo, when its page and history links are built from one reversed URL each
    promo = make_promo()
    # then they are the promo's URLs
    assert pk_url("promo:promo_detail")(promo.pk) == promo.get_absolute_url()
    assert pk_url("promo:promo_history")(promo.pk) == reverse("promo:promo_history", args=[promo.pk])


@pytest.mark.parametrize("language", ["ru", "en"])
def test_promo_texts_read_as_the_model_and_the_filters_write_them(make_promo, language):
    # given promos of every mechanic
    promos = [make_promo(mechanic=mechanic, status=status)
              for mechanic, status in zip(Promo.Mechanic.values, Promo.Status.values, strict=False)]
    with translation.override(language):
        # when a page's texts are worked out once
        texts = PromoTexts()
        for promo in promos:
            # then each says what the model and the template filter say
            assert texts.url(promo) == promo.get_absolute_url()
            assert texts.mechanic(promo) == promo.get_mechanic_display()
            assert texts.status(promo) == promo.get_status_display()
            assert texts.period(promo) == template_says('{{ p.start|date:"d.m.Y" }} – {{ p.end|date:"d.m.Y" }}', p=promo)


@pytest.mark.parametrize(("language", "phase", "in_force", "mechanic"), [
    ("ru", "скоро начнётся", "действует 1", "Скидка %"),
    ("en", "starting soon", "1 in force", "Percent discount"),
])
def test_a_list_row_in_russian_and_english(revised, language, phase, in_force, mechanic):
    # given an approved promo starting later whose revision 2 waits while 1 is in force
    revised.lines_total = 3
    revised.bulk_actions = {"cancel"}
    with translation.override(language):
        # when its row is written for a staff list (with the supplier column)
        row, = list_rows([revised], with_supplier=True)
    # then every cell says it in the language of the page
    assert (row.url, row.code, row.id, row.lines, row.revision) == (
        f"/promo/{revised.pk}/", revised.code, str(revised.pk), "3", "2")
    assert row.supplier == f"S001 {revised.supplier.name}"
    assert (row.mechanic, row.phase, row.phase_label, row.in_force) == (mechanic, "upcoming", phase, in_force)
    assert (row.status, row.actions) == ("approved", "cancel")


def test_a_rows_bulk_actions_are_written_in_the_bulk_bars_order(revised):
    # given a promo whose row allows several bulk actions (a set: no order of its own)
    revised.lines_total = 3
    revised.bulk_actions = {"cancel", "withdraw", "submit"}
    # when its list row is written, then the actions follow BULK_ACTIONS, as the bulk bar does
    row, = list_rows([revised], with_supplier=True)
    assert row.actions == "submit withdraw cancel"


def test_a_list_row_without_a_revision_in_force_or_a_supplier_column(make_promo):
    # given a draft (no revision in force), on a supplier's own list
    promo = Promo.objects.select_related("supplier", "approved_revision").get(pk=make_promo(status="draft").pk)
    promo.lines_total = 3
    # when its row is written, then no phase, no «in force», no supplier, no bulk action
    row, = list_rows([promo], with_supplier=False)
    assert (row.phase, row.phase_label, row.in_force, row.supplier, row.actions) == ("", "", "", "", "")


@pytest.mark.parametrize(("language", "texts"), [
    ("ru", ["Согласовано", "скоро начнётся", "(действует 1)", "Скидка %"]),
    ("en", ["Approved", "starting soon", "(1 in force)", "Percent discount"]),
])
def test_the_promo_list_page_shows_the_rows_texts(client_for, revised, language, texts):
    # given the marketer reading the list in a language
    client = in_language(client_for("marketer"), language)
    # when the list is opened
    page = client.get(LIST).content.decode()
    # then the promo's row links to it and says its status, phase, revision in force, mechanic
    row = re.search(rf'<tr data-promo="{revised.code}">.*?</tr>', page, re.S).group(0)
    assert f'<a href="/promo/{revised.pk}/">{revised.code}</a>' in row
    assert '<span class="badge approved">' in row and '<span class="badge phase-upcoming">' in row
    for text in texts:
        assert text in row
    # and its name is text, not markup
    assert "Весна &lt;b&gt;&amp;&lt;/b&gt; &quot;лето&quot;" in row


@pytest.mark.parametrize(("language", "status"), [("ru", "Согласовано"), ("en", "Approved")])
def test_a_calendar_bar_links_the_promo_and_escapes_its_name(client_for, revised, language, status):
    # given the marketer's calendar over the promo's weeks, in a language
    client = in_language(client_for("marketer"), language)
    # when it is drawn
    response = client.get(CALENDAR, {"start": "2027-03-29", "weeks": 12})
    page = response.content.decode()
    # then the bar links the promo, its tooltip says code, name, supplier, period and status
    bar = re.search(rf'<a href="[^"]*" class="promo-bar" data-promo="{revised.code}">.*?</a>', page, re.S).group(0)
    assert bar.startswith(f'<a href="/promo/{revised.pk}/"')
    name = "Весна &lt;b&gt;&amp;&lt;/b&gt; &quot;лето&quot;"
    assert f"<title>{revised.code} {name} · S001 · 01.04.2027 – 30.04.2027 · {status}</title>" in bar
    # and its label and rectangle sit where the geometry puts them
    drawn, = response.context["bars"]
    assert f'<text class="bar-label" x="4" y="{drawn.text_y}">{revised.code} Весна &lt;b&gt;' in bar
    assert (f'<rect class="bar approved" x="{drawn.x}" y="{drawn.y}" width="{drawn.width}" height="16" rx="3">'
            in bar)


def test_an_empty_calendar_says_so(db, client_for):
    page = client_for("marketer").get(CALENDAR, {"start": "2027-03-29"}).content.decode()
    assert "В этом периоде промо нет." in page and "promo-bar" not in page


@pytest.mark.parametrize(("language", "kind", "move"), [
    ("ru", "Согласовано", "На согласовании → Согласовано"),
    ("en", "Approved", "Awaiting approval → Approved"),
])
def test_activity_rows_in_russian_and_english(make_promo, demo_user, language, kind, move):
    # given an approval by the system with a long reason, and an internal event by a manager
    promo = make_promo()
    approved = PromoEvent.objects.create(kind=PromoEvent.Kind.PROMO_APPROVED, promo=promo, from_status="submitted",
                                         to_status="approved", reason="а" * 250)
    commented = PromoEvent.objects.create(kind=PromoEvent.Kind.PROMO_APPROVED, promo=promo, actor=demo_user("manager"),
                                          from_status="approved", to_status="approved", internal=True)
    events = PromoEvent.objects.select_related("actor", "promo__supplier", "upload__supplier").filter(
        pk__in=[approved.pk, commented.pk]).order_by("pk")
    with translation.override(language):
        # when the log's rows are written
        first, second = activity_rows(events)
        page_row = template_says('{{ e.created_at|date:"d.m.Y H:i" }}', e=approved)
    # then each cell says what the template said
    assert (first.when, first.kind, first.status_move) == (page_row, kind, move)
    assert (first.promo_code, first.promo_url, first.supplier, first.upload) == (
        promo.code, reverse("promo:promo_history", args=[promo.pk]), "S001", "")
    assert first.actor is None and not first.internal
    assert first.reason == "а" * 199 + "…"
    manager = demo_user("manager")
    assert second.actor == (manager.get_full_name() or manager.username)
    assert second.internal and second.status_move == "" and second.reason == ""


@pytest.mark.parametrize(("language", "system"), [("ru", "система"), ("en", "system")])
def test_the_activity_log_page_shows_the_rows_texts(client_for, make_promo, language, system):
    # given an event by the system about a promo
    promo = make_promo()
    PromoEvent.objects.create(kind=PromoEvent.Kind.PROMO_APPROVED, promo=promo, from_status="submitted",
                              to_status="approved", reason="<i>причина</i>")
    client = in_language(client_for("marketer"), language)
    # when the marketer opens the log
    page = client.get(LOG).content.decode()
    # then the event's row links the promo's history and says who did it, with the reason as text
    assert f'<a href="{reverse("promo:promo_history", args=[promo.pk])}">{promo.code}</a>' in page
    assert f'<span class="muted">{system}</span>' in page
    assert "&lt;i&gt;причина&lt;/i&gt;" in page


@pytest.mark.parametrize(("language", "words"), [
    ("ru", ("вместе", "дней", "цена за шт.", "здесь", "там", "филиалов", "пересекается с промо другого поставщика")),
    ("en", ("together", "days", "price per unit", "here", "there", "branches", "overlaps another supplier's promo")),
])
def test_conflict_cells_are_written_with_the_other_promo_once_and_escaped(language, words):
    # given a line meeting a visible promo (a name to escape) and one the user may not see
    other = OtherPromo(visible=True, code="P000007", url="/promo/7/", name='Осень <i>"хит"</i>', status="approved",
                       status_label="Согласовано", terms="S002 ООО «Б» · Скидка % · 01.04.2027 – 30.04.2027",
                       overlap="01.04.2027 – 10.04.2027", days="10", branch_count="2", branch_codes="B001, B002")
    cells = [ConflictCell(other=other, unit_text="85,00", other_unit_text="80,00"),
             ConflictCell(other=OtherPromo(visible=False), unit_text="—", other_unit_text="—")]
    with translation.override(language):
        # when the cells are written
        html = ConflictMarkup()(cells)
    together, days, unit, here, there, branches, hidden = words
    # then the visible one links the other promo and says its terms, overlap, prices and branches
    assert '<a class="conflict" href="/promo/7/" title="Осень &lt;i&gt;&quot;хит&quot;&lt;/i&gt;">P000007</a>' in html
    assert '<span class="badge approved">Согласовано</span>' in html
    assert f"{together}: 01.04.2027 – 10.04.2027 <small>({days}: 10)</small>" in html
    assert f'<div class="prices">{unit}: 85,00 {here} / 80,00 {there}</div>' in html
    assert f'<summary>{branches}: 2</summary><span class="mono small">B001, B002</span>' in html
    # and the hidden one only that it conflicts
    assert f'<div class="conflict-detail" data-conflict="">\n<span class="badge rejected">{escape(hidden)}</span>' in html
    assert html.count('class="conflict-detail"') == 2


def test_the_home_page_lists_recent_promos_with_their_links(client_for, revised):
    # given the marketer's home page in English
    page = in_language(client_for("marketer"), "en").get(reverse("home")).content.decode()
    # then the recent promo links its page, with its supplier, period and status
    assert (f'<tr><td class="mono"><a href="/promo/{revised.pk}/">{revised.code}</a></td>'
            f"<td>Весна &lt;b&gt;&amp;&lt;/b&gt; &quot;лето&quot;</td><td>S001</td><td>01.04.2027 – 30.04.2027</td>"
            f'<td><span class="badge approved">Approved</span></td></tr>') in page
