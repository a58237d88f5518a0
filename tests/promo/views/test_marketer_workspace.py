"""The marketer's workspace: the calendar picture, the targeting editor with its preview,
and mass corrections (select, preview, apply)."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from branches.models import Branch, Region
from branches.targeting import Targeting, resolve
from promo.models import Promo, PromoEvent, PromoLine
from promo.services import point_corrections
from promo.services.errors import InvalidError
from suppliers.models import Supplier

CALENDAR = reverse("promo:calendar")
MASS = reverse("promo:mass_correction")


def bars(page: str) -> list[str]:
    """The promo codes drawn as bars in the calendar's SVG."""
    svg = re.search(r"<svg[^>]*promo-calendar.*?</svg>", page, re.S)
    assert svg, "no <svg> calendar"
    assert svg.group(0).count('<rect class="bar ') == len(re.findall(r'data-promo="(P\d+)"', svg.group(0)))
    return re.findall(r'data-promo="(P\d+)"', svg.group(0))


def test_calendar_is_an_svg_with_one_bar_per_promo(client_for, make_promo):
    # given three promos in April-May 2027, one withdrawn, and one far later
    shown = [make_promo(start=date(2027, 4, 1)), make_promo(start=date(2027, 4, 20), status=Promo.Status.APPROVED),
             make_promo(start=date(2027, 5, 3), status=Promo.Status.DRAFT)]
    withdrawn = make_promo(start=date(2027, 4, 5), status=Promo.Status.WITHDRAWN)
    later = make_promo(start=date(2027, 12, 1))

    # when the marketer opens 12 weeks from the end of March
    response = client_for("marketer").get(CALENDAR, {"start": "2027-03-31", "weeks": 12})

    # then the picture has one bar per promo of the window, starting on that week's Monday
    codes = bars(response.content.decode())
    assert sorted(codes) == sorted(promo.code for promo in shown)
    assert withdrawn.code not in codes and later.code not in codes
    assert response.context["first"] == date(2027, 3, 29)
    assert "<table" not in re.search(r'<div class="calendar card">.*?</div>', response.content.decode(), re.S).group(0)


def test_calendar_bar_length_follows_the_dates(client_for, make_promo):
    # given a 14-day promo and a 28-day promo in a 4-week window
    short = make_promo(start=date(2027, 4, 5), days=14)
    long = make_promo(start=date(2027, 4, 5), days=28)

    # when drawn
    response = client_for("marketer").get(CALENDAR, {"start": "2027-04-05", "weeks": 4})

    # then the longer bar is twice as wide and both start at the same x
    by_code = {bar.promo.code: bar for bar in response.context["bars"]}
    assert by_code[long.code].width == 2 * by_code[short.code].width
    assert by_code[long.code].x == by_code[short.code].x


def test_calendar_filters(client_for, make_promo):
    # given promos of S001 and S002, one targeted to a single region
    s001 = make_promo(supplier="S001")
    s002 = make_promo(supplier="S002", targeting={"regions": [1]})
    client = client_for("marketer")
    other_region = Region.objects.exclude(pk=1).first()

    # when filtered by supplier, by category and by region
    by_supplier = bars(client.get(CALENDAR, {"start": "2027-03-29",
                                             "supplier": Supplier.objects.get(code="S002").pk}).content.decode())
    category = s001.lines.first().product.category
    by_category = bars(client.get(CALENDAR, {"start": "2027-03-29", "category": category.pk}).content.decode())
    by_region = bars(client.get(CALENDAR, {"start": "2027-03-29", "region": other_region.pk}).content.decode())

    # then each shows the promos that match
    assert by_supplier == [s002.code]
    assert s001.code in by_category and s002.code not in by_category
    assert by_region == [s001.code]


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


def test_an_empty_calendar_window_points_to_the_next_promo(client_for, make_promo):
    # given promos of S001 and S002 starting months after the window, and a withdrawn one before them
    first = make_promo(supplier="S001", start=date(2027, 6, 2))
    make_promo(supplier="S002", start=date(2027, 5, 5))
    make_promo(supplier="S001", start=date(2027, 5, 12), status=Promo.Status.WITHDRAWN)
    client = client_for("marketer")

    # when the marketer opens an empty window filtered to S001
    supplier = Supplier.objects.get(code="S001").pk
    page = client.get(CALENDAR, {"start": "2027-03-01", "weeks": 4, "supplier": supplier}).content.decode()

    # then it says when S001's next promo starts, linking to its week with the filter kept
    assert "В этом периоде промо нет." in page
    href, = re.findall(r'<p class="next-promo"><a href="([^"]*)">Ближайшее промо начинается 02.06.2027', page)
    following = client.get(CALENDAR + href.replace("&amp;", "&"))
    assert following.context["first"] == date(2027, 5, 31)
    assert bars(following.content.decode()) == [first.code]
    # and a window after every promo announces none
    assert "Ближайшее промо" not in client.get(CALENDAR, {"start": "2027-09-06"}).content.decode()


@pytest.mark.parametrize("start", ["0001-01-01", "0001-01-03", "9999-12-31"])
def test_calendar_far_out_of_range_is_a_message_not_a_crash(db, client_for, start):
    # given: a start week typed (or linked) far outside any promo
    client = client_for("marketer")

    # when
    response = client.get(CALENDAR, {"start": start})

    # then: the calendar of this week, with the reason the date was not taken
    assert response.status_code == 200
    assert "Выберите неделю между 01.01.2000 и 31.12.2099." in response.content.decode()
    assert response.context["first"] <= date.today() <= response.context["last"]


def test_targeting_preview_shows_branches_without_saving(client_for, make_promo):
    # given a promo for the whole chain
    promo = make_promo()
    region = Region.objects.get(pk=1)
    excluded = Branch.objects.filter(region=region).order_by("code").first()
    expected = resolve(Targeting(regions=(region.pk,), exclude=(excluded.pk,)), on=promo.start, until=promo.end)
    data = {"version": promo.version, "regions": [region.pk], "exclude": [excluded.pk], "preview": "1"}
    client = client_for("marketer")

    # when the marketer previews one region minus a branch, as a page and through htmx
    page = client.post(reverse("promo:targeting_edit", args=[promo.pk]), data).content.decode()
    partial = client.post(reverse("promo:targeting_edit", args=[promo.pk]), data, HTTP_HX_REQUEST="true")

    # then both show the resolved count and the branches, and nothing is saved
    count = expected.count()
    assert f'<span class="resolved-count">{count}</span>' in page
    assert expected.first().code in page and f"<span class=\"mono\">{excluded.code}</span>" not in page
    assert f'<span class="resolved-count">{count}</span>' in partial.content.decode()
    assert "<html" not in partial.content.decode()
    promo.refresh_from_db()
    assert promo.targeting == {"chain": True}


def test_targeting_save_and_stale(client_for, make_promo):
    # given a promo, and the version the editor showed
    promo = make_promo()
    seen = promo.version
    client = client_for("marketer")
    url = reverse("promo:targeting_edit", args=[promo.pk])

    # when the marketer saves one region, then posts another change with the old version
    saved = client.post(url, {"version": seen, "regions": [1], "reason": "Только Алтай"})
    stale = client.post(url, {"version": seen, "regions": [2], "reason": "Другой регион"})

    # then the first is stored with an event, the second is refused and keeps its choice
    promo.refresh_from_db()
    assert saved.status_code == 302
    assert Targeting.from_json(promo.targeting) == Targeting(regions=(1,))
    assert promo.events.filter(kind=PromoEvent.Kind.TARGETING_CHANGED).count() == 1
    assert stale.status_code == 409
    assert "обновите страницу" in stale.content.decode()
    assert re.search(r'<option value="2" selected>', stale.content.decode())
    # and the refused page's form carries the version it shows: saving it again works
    shown = re.search(r'name="version" value="(\d+)"', stale.content.decode()).group(1)
    assert int(shown) == promo.version != seen
    again = client.post(url, {"version": shown, "regions": [2], "reason": "Другой регион"})
    promo.refresh_from_db()
    assert again.status_code == 302 and Targeting.from_json(promo.targeting) == Targeting(regions=(2,))


def test_a_refused_targeting_save_shows_what_the_promo_has_now(client_for, make_promo):
    # given a chain-wide promo whose editor two marketers opened at the same version
    promo = make_promo()
    seen = promo.version
    url = reverse("promo:targeting_edit", args=[promo.pk])
    first, second = Region.objects.order_by("pk")[:2]
    client = client_for("marketer")

    # when one saves the first region, and the other then saves the second with the old version
    client.post(url, {"version": seen, "regions": [first.pk], "reason": "Только один регион"})
    stale = client.post(url, {"version": seen, "regions": [second.pk], "reason": "Другой регион"})

    # then the refusal keeps his choice and says what the promo has now, which pressing again
    # would overwrite (before, only his own rules were on the page: the other's change unseen)
    page = stale.content.decode()
    assert stale.status_code == 409 and "обновите страницу" in page
    assert f"Сейчас у промо: {first.name}." in page
    # and a preview says it too (as a page and through htmx), but not when the rules are the saved ones
    preview = {"version": promo.version + 1, "regions": [second.pk], "preview": "1"}
    partial = client.post(url, preview, HTTP_HX_REQUEST="true").content.decode()
    assert f"Сейчас у промо: {first.name}." in partial
    same = client.post(url, {**preview, "regions": [first.pk]}, HTTP_HX_REQUEST="true").content.decode()
    assert "Сейчас у промо" not in same


@pytest.mark.parametrize(("language", "refusal"), [
    ("ru", "«Вся сеть» уже включает все филиалы"), ("en", "«Whole chain» already covers every branch")])
def test_the_whole_chain_with_regions_to_include_is_refused_without_javascript(
        client_for, make_promo, settings, language, refusal):
    # given a promo of two regions and a marketer whose browser runs no JavaScript
    first, second, third = Region.objects.order_by("pk")[:3]
    promo = make_promo(targeting=Targeting(regions=(first.pk, second.pk)).to_json())
    url = reverse("promo:targeting_edit", args=[promo.pk])
    client = client_for("marketer")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    picked = {"version": promo.version, "chain": "on", "regions": [first.pk, second.pk], "reason": "Шире"}

    # when he ticks «Вся сеть», leaves the regions picked and saves
    refused = client.post(url, picked)

    # then it is refused with a word beside the box, and the promo keeps its two regions
    assert refused.status_code == 400 and refusal in refused.content.decode()
    promo.refresh_from_db()
    assert promo.rules == Targeting(regions=(first.pk, second.pk))
    # and the live preview (htmx) says the same as a fragment it swaps in, not a stale list
    partial = client.post(url, {**picked, "preview": "1"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and refusal in partial.content.decode()
    assert "<html" not in partial.content.decode() and "branch-list" not in partial.content.decode()
    # and the whole chain minus a branch is still the whole chain minus a branch
    branch = Branch.objects.filter(region=third).order_by("pk").first()
    saved = client.post(url, {"version": promo.version, "chain": "on", "exclude": [branch.pk], "reason": "Вся сеть"})
    assert saved.status_code == 302
    promo.refresh_from_db()
    assert promo.rules == Targeting(chain=True, exclude=(branch.pk,))


@pytest.mark.parametrize(("language", "refusal"), [
    ("ru", "«Кроме филиалов»: {code} не входят в выбранные"), ("en", "«Except branches»: {code} are not in the")])
def test_an_exclusion_the_rules_never_reach_is_refused(client_for, make_promo, settings, language, refusal):
    # given a promo and a marketer narrowing it to one region
    region, other = Region.objects.order_by("pk")[:2]
    inside = Branch.objects.filter(region=region).order_by("code").first()
    outside = Branch.objects.filter(region=other).order_by("code").first()
    promo = make_promo()
    url = reverse("promo:targeting_edit", args=[promo.pk])
    client = client_for("marketer")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    picked = {"version": promo.version, "regions": [region.pk], "exclude": [outside.pk, inside.pk], "reason": "Узко"}

    # when he also excludes a branch of another region (which the region never reaches) and saves
    refused = client.post(url, picked)

    # then refused, naming that branch only, and nothing saved; the live preview says so too
    message = refusal.format(code=outside.code)
    assert refused.status_code == 400 and message in refused.content.decode()
    assert f"{outside.code}, {inside.code}" not in refused.content.decode()
    promo.refresh_from_db()
    assert promo.rules == Targeting.whole_chain()
    partial = client.post(url, {**picked, "preview": "1"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and message in partial.content.decode()
    # and excluding a branch of that region is a real exclusion, saved
    saved = client.post(url, {**picked, "exclude": [inside.pk]})
    assert saved.status_code == 302
    promo.refresh_from_db()
    assert promo.rules == Targeting(regions=(region.pk,), exclude=(inside.pk,))


def test_the_service_refuses_the_whole_chain_with_picks(make_promo, demo_user):
    # given a promo and rules that name the chain and a region (as no form sends them any more)
    promo = make_promo()
    region = Region.objects.order_by("pk").first()

    # when they reach the service
    with pytest.raises(InvalidError) as refusal:
        point_corrections.promo_set_targeting(promo=promo, actor=demo_user("marketer"), version=promo.version,
                                              targeting=Targeting(chain=True, regions=(region.pk,)))

    # then refused, nothing saved
    assert refusal.value.code == "chain_with_picks"
    promo.refresh_from_db()
    assert promo.rules == Targeting.whole_chain()


def test_mass_correction_preview_then_apply(client_for, make_promo):
    # given two submitted promos of S001
    first, second = make_promo(lines=2), make_promo(lines=2)
    client = client_for("marketer")
    query = f"?supplier={first.supplier_id}"
    line_ids = list(PromoLine.objects.filter(promo__in=[first, second]).values_list("pk", flat=True))

    # when the marketer selects S001's lines, previews a 20 % discount, then applies it
    selected = client.get(MASS + query)
    preview = client.post(MASS + query, {"line_ids": line_ids, "discount_percent": "20", "action": "preview"})
    versions = {f"version_{p.pk}": p.version for p in (first, second)}
    applied = client.post(MASS + query, {"line_ids": line_ids, "discount_percent": "20", "action": "apply",
                                         "reason": "Единая скидка", **versions})

    # then the selection lists the lines, the preview shows old -> new without writing, and
    # the apply changes every line with a new revision per promo
    assert all(f'name="line_ids" value="{pk}"' in selected.content.decode() for pk in line_ids)
    assert len(preview.context["preview"]) == 4
    assert all(change.old == Decimal("15.00") and change.new == Decimal("20.00") for change in preview.context["preview"])
    assert applied.status_code == 302
    assert set(PromoLine.objects.filter(pk__in=line_ids).values_list("discount_percent", flat=True)) == {
        Decimal("20.00")}
    for promo in (first, second):
        promo.refresh_from_db()
        assert promo.revision == 2


def test_mass_correction_preview_writes_nothing(client_for, make_promo):
    # given a submitted promo
    promo = make_promo(lines=1)
    line = promo.lines.get()

    # when the marketer only previews a date shift
    response = client_for("marketer").post(MASS + f"?promo={promo.code}",
                                           {"line_ids": [line.pk], "shift_days": "7", "action": "preview"})

    # then the new dates are shown and nothing changed
    page = response.content.decode()
    assert "08.04.2027" in page and "Применить" in page
    promo.refresh_from_db()
    assert promo.start == date(2027, 4, 1) and promo.version == 1


def test_mass_correction_with_a_stray_line_id_is_a_form_error(client_for, make_promo):
    # given: a promo's line and a tick list holding a stray «²»
    promo = make_promo()
    line = promo.lines.first()

    # when: the marketer asks for a preview
    response = client_for("marketer").post(f"{MASS}?promo={promo.code}",
                                           {"line_ids": ["²", line.pk], "shift_days": "1", "action": "preview"})

    # then: 400 and the reason; nothing changed
    assert response.status_code == 400
    assert "Строка ² недоступна." in response.content.decode()
    promo.refresh_from_db()
    assert promo.start == date(2027, 4, 1)


def test_mass_correction_filter_by_an_odd_code_selects_nothing(client_for, make_promo):
    make_promo()
    response = client_for("marketer").get(MASS, {"promo": "P²"})
    assert response.status_code == 200
    assert response.context["lines"] == []


def test_mass_correction_apply_needs_a_reason_and_fresh_versions(client_for, make_promo):
    # given a promo whose preview was computed at version 1, changed since
    promo = make_promo(lines=1)
    line = promo.lines.get()
    client = client_for("marketer")
    data = {"line_ids": [line.pk], "compensation_percent": "30", "action": "apply", f"version_{promo.pk}": 1}

    # when the marketer applies without a reason, then with a reason but a stale version
    no_reason = client.post(MASS + f"?promo={promo.code}", data)
    Promo.objects.filter(pk=promo.pk).update(version=2)
    stale = client.post(MASS + f"?promo={promo.code}", {**data, "reason": "Компенсация 30 %"})

    # then the first asks for the reason and still shows the preview, the second is told to
    # refresh and keeps the reason typed; the line is unchanged
    assert no_reason.status_code == 400 and "Укажите причину" in no_reason.content.decode()
    assert no_reason.context["preview"]
    assert stale.status_code == 409 and "обновите страницу" in stale.content.decode()
    assert "Компенсация 30 %" in stale.content.decode()
    line.refresh_from_db()
    assert line.compensation_percent == Decimal("50.00")


def _approved(promo: Promo) -> Promo:
    from django.utils import timezone

    from promo.services.revisions import revision_freeze_decisions

    promo.lines.update(decision=PromoLine.Decision.ACCEPTED, decided_at=timezone.now())
    promo.approved_revision = revision_freeze_decisions(promo=promo)
    promo.status = Promo.Status.APPROVED
    promo.save(update_fields=["approved_revision", "status"])
    return promo


def test_calendar_draws_the_revision_in_force_as_approved_and_the_waiting_one_outlined(
        client_for, make_promo, demo_user):
    from promo.services import point_corrections

    # given a promo approved for 01.04-30.04.2027, then extended to 10.05 by a marketer (revision 2
    # waits for the managers while revision 1 stays in force)
    promo = _approved(make_promo(start=date(2027, 4, 1), days=30))
    point_corrections.promo_extend(promo=promo, actor=demo_user("marketer"), new_end=date(2027, 5, 10),
                                   reason="Остатки", today=date(2027, 3, 1))
    promo.refresh_from_db()
    assert promo.status == Promo.Status.SUBMITTED and promo.approved_revision.number == 1

    # when the marketer opens the calendar around it
    response = client_for("marketer").get(CALENDAR, {"start": "2027-03-29", "weeks": 8})
    page = response.content.decode()

    # then its bar is the approved period, green, with the waiting period outlined over it
    bar = next(bar for bar in response.context["bars"] if bar.promo.pk == promo.pk)
    geometry = response.context["geometry"]
    assert bar.kind == Promo.Status.APPROVED
    assert (bar.x, bar.width) == geometry.span(date(2027, 4, 1), date(2027, 4, 30))
    assert bar.pending == geometry.span(date(2027, 4, 1), date(2027, 5, 10))
    assert f'<rect class="bar approved" x="{bar.x}"' in page and f'<rect class="pending" x="{bar.x}"' in page
    # and its tooltip says which revision runs and which waits
    assert ("действует ревизия 1: 01.04.2027 – 30.04.2027; "
            "ревизия 2 на согласовании: 01.04.2027 – 10.05.2027") in bar.title
    assert bars(page) == [promo.code]


def test_calendar_keeps_the_revision_in_force_of_a_promo_whose_new_revision_was_rejected(
        client_for, make_promo, demo_user):
    from promo.services import point_corrections

    # given an approved promo whose extension (revision 2) was rejected, and a promo rejected outright
    promo = _approved(make_promo(start=date(2027, 4, 1), days=30))
    point_corrections.promo_extend(promo=promo, actor=demo_user("marketer"), new_end=date(2027, 5, 10),
                                   reason="Остатки", today=date(2027, 3, 1))
    Promo.objects.filter(pk=promo.pk).update(status=Promo.Status.REJECTED)
    rejected = make_promo(start=date(2027, 4, 5), status=Promo.Status.REJECTED)

    # when the calendar is drawn
    response = client_for("marketer").get(CALENDAR, {"start": "2027-03-29", "weeks": 8})

    # then the promo still runs there on its approved dates, no outline; the one never approved is not drawn
    assert bars(response.content.decode()) == [promo.code]
    bar = response.context["bars"][0]
    assert bar.kind == Promo.Status.APPROVED and bar.pending is None
    assert (bar.x, bar.width) == response.context["geometry"].span(date(2027, 4, 1), date(2027, 4, 30))
    assert "ревизия 2 отклонена" in bar.title and rejected.code not in bar.title


def test_calendar_bars_are_links_a_screen_reader_reaches(client_for, make_promo):
    # given a promo in the window
    promo = make_promo(start=date(2027, 4, 1))
    # when the calendar is drawn
    page = client_for("marketer").get(CALENDAR, {"start": "2027-03-29", "weeks": 4}).content.decode()
    # then the picture is a labelled group, not an image (an image's links are hidden from assistive
    # technology), and each bar is a link named by its title
    svg = re.search(r"<svg[^>]*promo-calendar[^>]*>", page).group(0)
    assert 'role="group"' in svg and 'role="img"' not in svg and 'aria-label="Календарь промо"' in svg
    assert re.search(rf'<a href="[^"]+" class="promo-bar" data-promo="{promo.code}">\s*<title>{promo.code} ', page)
