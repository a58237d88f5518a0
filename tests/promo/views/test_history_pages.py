"""History: a promo's timeline (who, when, old -> new) and the marketers' activity log with
its .xlsx download."""

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook

from promo.models import PromoEvent
from promo.services.comments import comment_add
from promo.services.point_corrections import line_correct
from promo.services.transitions import promo_approve, promo_reject, promo_submit
from suppliers.models import Supplier

LOG = reverse("promo:activity_log")


def test_promo_history_is_one_timeline(client_for, make_promo, demo_user):
    # given a promo submitted by s001, corrected by the manager, commented internally, approved
    promo = make_promo(status="draft", lines=1)
    line = promo.lines.get()
    promo_submit(promo=promo, actor=demo_user("s001"), version=promo.version, comment="Прошу согласовать")
    line_correct(line=line, actor=demo_user("manager3"), reason="Скидка по договору", version=promo.version,
                 discount_percent="20,5")
    promo.refresh_from_db()
    comment_add(promo=promo, actor=demo_user("manager3"), text="Маржа низкая", internal=True)
    promo_approve(promo=promo, actor=demo_user("manager3"), version=promo.version)

    # when the manager and the supplier open its history
    staff = client_for("manager3").get(reverse("promo:promo_history", args=[promo.pk])).content.decode()
    supplier = client_for("s001").get(reverse("promo:promo_history", args=[promo.pk])).content.decode()

    # then the manager sees every step with who, the reason and old -> new
    assert "Прошу согласовать" in staff and "Скидка по договору" in staff
    # (a percent as the promo page shows it, with the Russian decimal comma)
    assert re.search(r'<td class="old">15</td><td class="new">20,50</td>', staff)
    assert "КМ 3" in staff and "Маржа низкая" in staff
    assert staff.index("Прошу согласовать") < staff.index("Скидка по договору")
    # and the supplier the same without the internal comment
    assert "Скидка по договору" in supplier and "Маржа низкая" not in supplier


def test_activity_log_lists_and_filters_events(client_for, make_promo, demo_user):
    # given a submission and an approval
    promo = make_promo(status="draft")
    promo_submit(promo=promo, actor=demo_user("s001"), version=promo.version)
    promo_approve(promo=promo, actor=demo_user("manager3"), version=promo.version)
    client = client_for("marketer")

    # when the marketer opens the log, then filters it by kind and by actor
    everything = client.get(LOG)
    approvals = client.get(LOG, {"kind": PromoEvent.Kind.PROMO_APPROVED})
    by_s001 = client.get(LOG, {"actor": demo_user("s001").pk})

    # then each lists what matches
    kinds = {event.kind for event in everything.context["events"]}
    assert {PromoEvent.Kind.PROMO_SUBMITTED, PromoEvent.Kind.PROMO_APPROVED} <= kinds
    assert {event.kind for event in approvals.context["events"]} == {PromoEvent.Kind.PROMO_APPROVED}
    assert {event.actor.username for event in by_s001.context["events"]} == {"s001"}
    assert promo.code in everything.content.decode()


def test_activity_log_days_are_local_days(client_for, make_promo, demo_user):
    # given comments at 23:30 and 00:30 Novosibirsk time (the portal's) on 10 and 11 March,
    # 16:30 and 17:30 UTC of 10 March
    promo = make_promo()
    late, early = (PromoEvent.objects.create(kind=PromoEvent.Kind.COMMENT_ADDED, promo=promo,
                                             actor=demo_user("s001"), reason=text) for text in ("поздно", "рано"))
    novosibirsk = ZoneInfo("Asia/Novosibirsk")
    PromoEvent.objects.filter(pk=late.pk).update(created_at=datetime(2027, 3, 10, 23, 30, tzinfo=novosibirsk))
    PromoEvent.objects.filter(pk=early.pk).update(created_at=datetime(2027, 3, 11, 0, 30, tzinfo=novosibirsk))
    client = client_for("marketer")

    def shown(**days):
        events = client.get(LOG, days).context["events"]
        return {event.reason for event in events if event.pk in (late.pk, early.pk)}

    # when the marketer asks for one day or the other, then each event is on its local day
    assert shown(date_from="2027-03-10", date_to="2027-03-10") == {"поздно"}
    assert shown(date_from="2027-03-11", date_to="2027-03-11") == {"рано"}
    assert shown(date_from="2027-03-10") == {"поздно", "рано"}
    assert shown(date_to="2027-03-10") == {"поздно"}


def test_activity_log_xlsx_opens_and_lists_the_events(client_for, make_promo, demo_user):
    # given two promos submitted, one also rejected with a reason
    first, second = make_promo(status="draft"), make_promo(status="draft")
    for promo in (first, second):
        promo_submit(promo=promo, actor=demo_user("s001"), version=promo.version)
    promo_reject(promo=second, actor=demo_user("manager3"), reason="Не по плану", version=second.version)

    # when the marketer downloads the log as .xlsx
    response = client_for("marketer").get(LOG, {"format": "xlsx"})

    # then it is a workbook with a header and one row per event, newest first
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Когда", "Событие", "Промо")
    events = PromoEvent.objects.order_by("-created_at", "-pk")
    assert len(rows) - 1 == events.count() == 3
    assert rows[1][1] == "Отклонено" and rows[1][2] == second.code and rows[1][7] == "Не по плану"
    assert {row[2] for row in rows[1:]} == {first.code, second.code}
    assert rows[1][0] - rows[-1][0] >= timedelta(0)


def test_activity_log_xlsx_follows_the_filter(client_for, make_promo, demo_user):
    # given submissions of two promos
    first, second = make_promo(status="draft"), make_promo(status="draft")
    for promo in (first, second):
        promo_submit(promo=promo, actor=demo_user("s001"), version=promo.version)
    promo_approve(promo=first, actor=demo_user("manager3"), version=first.version)

    # when the marketer downloads only the approvals
    response = client_for("marketer").get(LOG, {"format": "xlsx", "kind": PromoEvent.Kind.PROMO_APPROVED})

    # then the workbook holds just that event
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
                .iter_rows(values_only=True))
    assert [row[2] for row in rows[1:]] == [first.code]



def test_activity_log_filters_keep_the_chosen_values_and_offer_every_choice(db, client_for, demo_user):
    # given the marketer filtering the log by a kind, an actor and a supplier
    supplier = Supplier.objects.get(code="S001")
    s001 = demo_user("s001")
    page = client_for("marketer").get(LOG, {"kind": PromoEvent.Kind.PROMO_APPROVED, "actor": s001.pk,
                                            "supplier": supplier.pk}).content.decode()

    # then each select keeps its choice and lists every kind, active user and supplier
    def select(name: str) -> str:
        return re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)

    assert f'<option value="{PromoEvent.Kind.PROMO_APPROVED}" selected>' in select("kind")
    assert select("kind").count("<option") == len(PromoEvent.Kind.choices) + 1
    assert f'<option value="{s001.pk}" selected>' in select("actor")
    assert select("actor").count("<option") == get_user_model().objects.filter(is_active=True).count() + 1
    assert f'<option value="{supplier.pk}" selected>{supplier}</option>' in select("supplier")
    assert select("supplier").count("<option") == Supplier.objects.count() + 1


def test_activity_log_shows_a_deadline_event_with_its_due_date_and_revision(client_for, make_promo):
    from datetime import date

    from django.conf import settings as conf
    from django.utils import translation

    from promo.services.decision_deadlines import decision_deadlines_record

    # given, on Tuesday 02.03.2027, a promo (revision 1) whose decision was due on Monday 01.03, one
    # due that day and one due on Wednesday 03.03, and the daily run of that morning
    overdue = make_promo(decision_due=date(2027, 3, 1))
    soon = make_promo(decision_due=date(2027, 3, 3))
    today = make_promo(decision_due=date(2027, 3, 2))  # sent after the run before: reminded on the day
    decision_deadlines_record(today=date(2027, 3, 2))
    client = client_for("marketer")

    def kinds_of(response, promo) -> list[str]:
        return [row.kind for row in response.context["rows"] if row.event.promo_id == promo.pk]

    # when the marketer opens the activity log, then each row says the due date and the revision,
    # as the promo's history does
    page = client.get(LOG)
    assert kinds_of(page, overdue) == ["Срок решения прошёл: 01.03.2027, ревизия 1"]
    assert kinds_of(page, soon) == ["Скоро срок решения: 03.03.2027, ревизия 1"]
    assert kinds_of(page, today) == ["Скоро срок решения: 02.03.2027, ревизия 1"]
    history = client.get(reverse("promo:promo_history", args=[overdue.pk])).content.decode()
    assert "Срок решения прошёл: 01.03.2027, ревизия 1" in history
    assert "<td>Срок решения прошёл: 01.03.2027, ревизия 1</td>" in page.content.decode()
    # and the .xlsx of the log says the same
    rows = list(load_workbook(io.BytesIO(b"".join(client.get(LOG, {"format": "xlsx"}).streaming_content)),
                              read_only=True).active.iter_rows(values_only=True))
    assert ("Срок решения прошёл: 01.03.2027, ревизия 1", overdue.code) in {row[1:3] for row in rows}

    # when it is opened in English, then in English
    client.cookies[conf.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override(conf.LANGUAGE_CODE):  # the request's language stays in the request
        english = client.get(LOG)
    assert kinds_of(english, overdue) == ["Decision overdue: 01.03.2027, revision 1"]
    assert kinds_of(english, soon)[0].endswith(": 03.03.2027, revision 1")
    assert "ревизия" not in english.content.decode()


def test_a_bulk_actions_event_names_its_promos_in_the_log_its_xlsx_and_the_home(client_for, make_promo):
    # given a manager who accepted seven promos at once from his queue (one event for the
    # digest, without a promo of its own), and one accepted on its page
    promos = [make_promo() for _ in range(7)]
    manager = client_for("manager")
    manager.post(reverse("promo:promo_bulk"), {
        "promos": [p.pk for p in promos], **{f"version_{p.pk}": p.version for p in promos},
        "action": "approve", "step": "run", "next": reverse("promo:approval_queue")})
    digest = PromoEvent.objects.get(promo__isnull=True, kind=PromoEvent.Kind.PROMO_APPROVED)
    codes = sorted(p.code for p in promos)
    marketer = client_for("marketer")

    # when the marketer reads the activity log
    page = marketer.get(LOG).content.decode()

    # then the bulk event's row names the first five promos, linked, and how many more, not an
    # empty «Промо» cell next to «Согласовано»
    row = next(r for r in re.findall(r"<tr[^>]*>.*?</tr>", page, re.S) if "Согласовано" in r and codes[0] in r
               and codes[4] in r)
    for code in codes[:5]:
        assert f">{code}</a>" in row
    assert codes[5] not in row and "…и ещё 2" in row
    history = reverse("promo:promo_history", args=[next(p for p in promos if p.code == codes[0]).pk])
    assert f'href="{history}"' in row

    # and the .xlsx names them all in its «Промо» column
    response = marketer.get(LOG, {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    assert ", ".join(codes) in [row[2] for row in sheet.iter_rows(values_only=True)]

    # and the marketer's home names them in its recent events
    home = marketer.get(reverse("home")).content.decode()
    line = next(li for li in re.findall(r"<li>.*?</li>", home, re.S) if codes[0] in li)
    assert "Согласовано" in line and all(code in line for code in codes[:5]) and "…и ещё 2" in line
    assert digest.payload["promos"] == sorted(p.pk for p in promos)
