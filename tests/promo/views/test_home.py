"""Each role's home page shows what that person works on, with links."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

HOME = reverse("home")


def test_manager_home_shows_his_queue(client_for, make_promo):
    # given a promo waiting for manager3 and a draft
    waiting = make_promo()
    draft = make_promo(status="draft")

    # when manager3 opens the home page
    page = client_for("manager3").get(HOME).content.decode()

    # then it lists the waiting promo and links to the queue
    assert waiting.code in page and draft.code not in page
    assert f'href="{reverse("promo:approval_queue")}"' in page


def test_supplier_home_shows_its_own_promos(client_for, make_promo):
    # given promos of S001 and S002
    own = make_promo(supplier="S001")
    foreign = make_promo(supplier="S002")

    # when s001 opens the home page
    page = client_for("s001").get(HOME).content.decode()

    # then only its own promo is listed, with a link to its list; no queue
    assert own.code in page and foreign.code not in page
    assert f'href="{reverse("promo:promo_list")}"' in page
    assert reverse("promo:approval_queue") not in page


def test_marketer_home_links_everything(client_for, make_promo):
    # given a promo
    promo = make_promo()

    # when the marketer opens the home page
    page = client_for("marketer").get(HOME).content.decode()

    # then it links to every workspace page and lists the recent promo
    for name in ("promo_list", "calendar", "mass_correction", "activity_log"):
        assert f'href="{reverse(f"promo:{name}")}"' in page
    assert promo.code in page


def test_manager_home_counts_what_his_lists_count(client_for, make_promo, demo_user):
    # given manager3's promos in every status, and a promo of a category he does not decide
    from django.contrib.auth.models import Group

    from promo.models import Promo
    from suppliers.models import Category, Product
    from suppliers.roles import Role

    for status, number in (("submitted", 3), ("draft", 2), ("approved", 2), ("rejected", 1), ("cancelled", 1)):
        for _ in range(number):
            make_promo(status=status)
    manager3 = demo_user("manager3")
    foreign = Product.objects.filter(supplier__code="S002").exclude(
        category__in=Category.objects.restrict(manager3, "decide")).order_by("article")[:1]
    make_promo(supplier="S002", products=list(foreign))

    def shown(client) -> dict:
        counts = client.get(HOME).context["counts"]
        return {"to_review": counts["to_review"], **{key: counts["promos"][key]
                                                     for key in ("total", "submitted", "approved", "rejected")}}

    def expected(user) -> dict:
        mine = Promo.objects.restrict(user)
        return {"to_review": Promo.objects.restrict(user, "decide").pending_review().count(),
                "total": mine.count(), "submitted": mine.filter(status="submitted").count(),
                "approved": mine.filter(status="approved").count(), "rejected": mine.filter(status="rejected").count()}

    # when manager3 opens his home page, then each number is what his queue and list hold
    assert shown(client_for("manager3")) == expected(manager3) == {
        "to_review": 3, "total": 9, "submitted": 3, "approved": 2, "rejected": 1}

    # given he is a marketer too (he sees every promo, decides his categories' only)
    manager3.groups.add(Group.objects.get(name=Role.MARKETER))
    manager3 = demo_user("manager3")

    # when he opens his home page again, then the queue counts his categories, the rest every promo
    assert shown(client_for("manager3")) == expected(manager3) == {
        "to_review": 3, "total": 10, "submitted": 4, "approved": 2, "rejected": 1}


def test_marketer_home_lists_the_overdue_decisions_the_escalation_mail_links_to(client_for, make_promo):
    # given a promo past its decision due date, one due tomorrow, and an approved one once due
    today = timezone.localdate()
    overdue = make_promo(decision_due=today - timedelta(days=2))
    due = make_promo(decision_due=today + timedelta(days=1))
    decided = make_promo(status="approved", decision_due=today - timedelta(days=5))

    # when the marketer opens the home page (where the decision_overdue mail's link leads)
    page = client_for("marketer").get(HOME).content.decode()

    # then the overdue promo is listed with its due date under «Просрочены решения», the others not
    assert "Просрочены решения" in page
    section = page.split("Просрочены решения", 1)[1].split("</section>", 1)[0]
    assert overdue.code in section and f"{overdue.decision_due:%d.%m.%Y}" in section
    assert due.code not in section and decided.code not in section


def test_marketer_home_says_nothing_of_overdue_decisions_when_none_is(client_for, make_promo):
    # given only a promo due tomorrow
    make_promo(decision_due=timezone.localdate() + timedelta(days=1))

    # when the marketer opens the home page, then no overdue section
    assert "Просрочены решения" not in client_for("marketer").get(HOME).content.decode()


def test_marketer_home_says_when_more_decisions_are_overdue_than_it_lists(client_for, make_promo):
    # given 11 promos past their due date
    today = timezone.localdate()
    promos = [make_promo(decision_due=today - timedelta(days=20 - n)) for n in range(11)]

    # when the marketer opens the home page
    page = client_for("marketer").get(HOME).content.decode()

    # then the 10 oldest are listed and a word says there are more
    section = page.split("Просрочены решения", 1)[1].split("</section>", 1)[0]
    assert all(promo.code in section for promo in promos[:10]) and promos[10].code not in section
    assert "Показаны 10 самых давних" in section


def _in_force_with_revision_waiting(make_promo, demo_user, *, start):
    """A promo of S001 approved for 30 days from ``start`` (revision 1 in force), then extended
    by 10 days by a marketer: revision 2 waits for the managers."""
    from promo.models import Promo, PromoLine
    from promo.services import point_corrections
    from promo.services.revisions import revision_freeze_decisions

    promo = make_promo(start=start, days=30)
    promo.lines.update(decision=PromoLine.Decision.ACCEPTED, decided_at=timezone.now())
    promo.approved_revision = revision_freeze_decisions(promo=promo)
    promo.status = Promo.Status.APPROVED
    promo.save(update_fields=["approved_revision", "status"])
    point_corrections.promo_extend(promo=promo, actor=demo_user("marketer"), new_end=promo.end + timedelta(days=10),
                                   reason="Остатки", today=start - timedelta(days=31))
    promo.refresh_from_db()
    assert promo.status == Promo.Status.SUBMITTED and promo.approved_revision.number == 1
    return promo


def test_supplier_home_says_a_promo_is_in_force_while_its_new_revision_waits(client_for, make_promo, demo_user):
    from datetime import date

    # given S001's promo approved for 01.04-30.04.2027 whose extension to 10.05 (revision 2) waits,
    # an approved promo and a draft
    renewing = _in_force_with_revision_waiting(make_promo, demo_user, start=date(2027, 4, 1))
    make_promo(status="approved"), make_promo(status="draft")

    # when s001 opens the home page
    response = client_for("s001").get(HOME)
    page = response.content.decode()

    # then its row says it waits, and that revision 1 is in force, with that revision's dates
    row = next(row for row in response.context["recent_promos"] if row.promo.pk == renewing.pk)
    assert row.status_label == "На согласовании"
    assert row.in_force == ("действует ревизия 1: 01.04.2027 – 30.04.2027; "
                            "ревизия 2 на согласовании: 01.04.2027 – 10.05.2027")
    assert f'<div class="in-force muted">{row.in_force}</div>' in page
    # and the counters count it both as waiting and as in force (of those, one with a newer revision)
    counts = response.context["counts"]["promos"]
    assert (counts["submitted"], counts["in_force"], counts["renewing"], counts["approved"]) == (1, 2, 1, 1)
    assert "действует (согласовано)" in page and "в т. ч. с новой ревизией: 1" in page


def test_supplier_home_in_english_says_which_revision_is_in_force(client_for, make_promo, demo_user):
    from datetime import date

    # given S001's promo in force (revision 1) with revision 2 waiting
    _in_force_with_revision_waiting(make_promo, demo_user, start=date(2027, 4, 1))

    from django.conf import settings
    from django.utils import translation

    # when s001 opens the home page in English
    client = client_for("s001")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override(settings.LANGUAGE_CODE):  # the request's language stays in the request
        page = client.get(HOME).content.decode()

    # then the row and the counter are in English
    assert ("revision 1 in force: 01.04.2027 – 30.04.2027; "
            "revision 2 awaiting approval: 01.04.2027 – 10.05.2027") in page
    assert "in force (approved)" in page and "incl. with a newer revision: 1" in page


def test_supplier_home_with_revisions_in_force_is_flat(client_for, make_promo, demo_user,
                                                      django_assert_max_num_queries):
    from datetime import date

    from tests.promo.views.test_query_counts import counts

    # given one promo in force with a newer revision waiting
    _in_force_with_revision_waiting(make_promo, demo_user, start=date(2027, 4, 1))
    client = client_for("s001")
    (few,) = counts(client, django_assert_max_num_queries, 10, HOME)

    # when there are a home page's worth more of them and it is opened again
    for index in range(12):
        _in_force_with_revision_waiting(make_promo, demo_user, start=date(2027, 5, 1) + timedelta(days=index))
    with django_assert_max_num_queries(10) as queries:
        response = client.get(HOME)

    # then every row says which revision is in force, for the same number of queries
    assert all(row.in_force for row in response.context["recent_promos"])
    assert len(queries) == few


def test_marketer_home_recent_events_say_a_deadlines_due_date_and_revision(client_for, make_promo):
    from datetime import date

    from promo.services.decision_deadlines import decision_deadlines_record

    # given a promo whose decision was due on 01.03.2027, and the daily run of 02.03
    make_promo(decision_due=date(2027, 3, 1))
    decision_deadlines_record(today=date(2027, 3, 2))

    # when the marketer opens the home page
    page = client_for("marketer").get(HOME).content.decode()

    # then its recent events say the due date and the revision, as the activity log does
    assert "Срок решения прошёл: 01.03.2027, ревизия 1" in page


def test_the_in_force_counter_links_to_a_list_of_exactly_the_promos_it_counts(client_for, make_promo, demo_user):
    from datetime import date

    # given S001's promo in force with revision 2 waiting, an approved one, a submitted one never
    # approved, a draft and a cancelled one
    renewing = _in_force_with_revision_waiting(make_promo, demo_user, start=date(2027, 4, 1))
    approved = make_promo(status="approved")
    others = [make_promo(status=status) for status in ("submitted", "draft", "cancelled")]
    client = client_for("s001")

    # when s001 follows the home's «действует (согласовано)» counter
    home = client.get(HOME)
    link = re.search(r'<a class="stat in-force" href="([^"]+)"', home.content.decode()).group(1)
    listed = client.get(link.replace("&amp;", "&"))

    # then the list holds the two promos the counter counts, and none of the others
    assert home.context["counts"]["promos"]["in_force"] == 2
    assert {promo.pk for promo in listed.context["object_list"]} == {renewing.pk, approved.pk}
    # and «Нет» lists the others
    rest = client.get(f"{reverse('promo:promo_list')}?in_force=false")
    assert {promo.pk for promo in rest.context["object_list"]} == {promo.pk for promo in others}


def test_supplier_home_says_a_promo_whose_extension_was_rejected_still_runs(client_for, make_promo, demo_user):
    from datetime import date

    from promo.models import Promo
    from promo.services import transitions

    # given S001's promo approved for 01.04-30.04.2027 whose extension to 10.05 (revision 2) the
    # manager rejected: revision 1 stays at the tills
    promo = _in_force_with_revision_waiting(make_promo, demo_user, start=date(2027, 4, 1))
    transitions.promo_reject(promo=promo, actor=demo_user("manager"), reason="Нет остатков")
    promo.refresh_from_db()
    assert promo.status == Promo.Status.REJECTED

    # when s001 opens the home page
    response = client_for("s001").get(HOME)

    # then the row says «Отклонено» and that revision 1 still runs, and the promo counts in force
    row = next(row for row in response.context["recent_promos"] if row.promo.pk == promo.pk)
    assert row.status_label == "Отклонено"
    assert row.in_force == "действует ревизия 1: 01.04.2027 – 30.04.2027; ревизия 2 отклонена: 01.04.2027 – 10.05.2027"
    assert response.context["counts"]["promos"]["in_force"] == 1
