from datetime import timedelta

from promo.models import Promo, PromoEvent
from promo.selectors import promo_history
from promo.services import point_corrections, supplier_requests, transitions
from promo.services.comments import comment_add

Kind = PromoEvent.Kind


def texts(entry: dict) -> list[tuple[str, str, str]]:
    """An entry's change rows as the page shows them: what changed, old, new."""
    return [(change.title, change.old, change.new) for change in entry["changes"]]


def walk_the_workflow(world) -> Promo:
    """A promo taken through every kind of step by every role."""
    promo = world.promo(Promo.Status.DRAFT)
    transitions.promo_submit(promo=promo, actor=world.supplier_user, comment="Прошу согласовать")
    comment_add(promo=promo, actor=world.manager_a, text="Маржа низкая, но берём", internal=True)
    comment_add(promo=promo, actor=world.supplier_user, text="Спасибо")
    transitions.promo_approve(promo=promo, actor=world.manager_a, comment="Ок по категории A")
    transitions.line_decide(line=world.line(promo, "b"), actor=world.manager_b, decision="rejected",
                         reason="Нет на полке")
    point_corrections.promo_extend(promo=promo, actor=world.marketer, new_end=promo.end + timedelta(days=7),
                          reason="Хорошие продажи")
    transitions.promo_approve(promo=promo, actor=world.manager_a)
    transitions.promo_cancel(promo=promo, actor=world.marketer, reason="Поставщик снял товар")
    return promo


def test_every_transition_is_in_the_timeline_with_actor_and_reason(world):
    # given a promo taken through the workflow
    promo = walk_the_workflow(world)
    # when a marketer reads its history
    timeline = promo_history(promo=promo, user=world.marketer)
    # then each step is there, in order, with who did it and why
    steps = [(e["kind"], e["actor"], e["reason"]) for e in timeline]
    assert steps == [
        (Kind.PROMO_SUBMITTED, world.supplier_user, "Прошу согласовать"),
        (Kind.COMMENT_ADDED, world.manager_a, "Маржа низкая, но берём"),
        (Kind.COMMENT_ADDED, world.supplier_user, "Спасибо"),
        (Kind.LINE_DECIDED, world.manager_a, "Ок по категории A"),
        # a line's reason is the line's, not the approval's comment (it is in the changes below)
        (Kind.PROMO_APPROVED, world.manager_b, ""),
        (Kind.PROMO_EXTENDED, world.marketer, "Хорошие продажи"),
        (Kind.PROMO_APPROVED, world.manager_a, ""),
        (Kind.PROMO_CANCELLED, world.marketer, "Поставщик снял товар"),
    ]
    assert [e["when"] for e in timeline] == sorted(e["when"] for e in timeline)
    # and the field changes are shown inside their step, old -> new
    approved = timeline[4]
    assert approved["summary"] == "Согласовано: На согласовании → Согласовано"
    assert ("статус", "На согласовании", "Согласовано") in texts(approved)
    article_b = world.line(promo, "b").product.article
    assert (f"{article_b} · решение", "Ожидает решения", "Отклонено") in texts(approved)
    assert (f"{article_b} · причина", "—", "Нет на полке") in texts(approved)
    extended = timeline[5]
    assert ("окончание", (promo.end - timedelta(days=7)).strftime("%d.%m.%Y"),
            promo.end.strftime("%d.%m.%Y")) in texts(extended)
    assert all(e["kind"] != "field_change" for e in timeline)


def test_supplier_never_gets_internal_entries(world):
    promo = walk_the_workflow(world)
    timeline = promo_history(promo=promo, user=world.supplier_user)
    assert "Маржа низкая, но берём" not in [e["reason"] for e in timeline]
    assert not any(e["internal"] for e in timeline)
    assert any(e["internal"] for e in promo_history(promo=promo, user=world.manager_a))


def test_a_change_made_outside_the_workflow_is_its_own_entry(world):
    # given a promo renamed in the admin (a save outside the services)
    promo = world.promo()
    promo.name = "Новое имя"
    promo._history_user, promo._change_reason = world.marketer, "Опечатка"
    promo.save()
    # when its history is read, then the rename shows with who, why and old -> new
    entry = promo_history(promo=promo, user=world.marketer)[-1]
    assert (entry["kind"], entry["actor"], entry["reason"]) == ("field_change", world.marketer, "Опечатка")
    assert texts(entry)[0][0] == "название"
    assert texts(entry)[0][2] == "Новое имя"


def test_a_request_shows_what_was_asked(world):
    promo = world.promo(Promo.Status.APPROVED)
    new_end = promo.end + timedelta(days=5)
    supplier_requests.promo_request_extension(promo=promo, actor=world.supplier_user, new_end=new_end, reason="Остатки")
    entry = promo_history(promo=promo, user=world.supplier_user)[-1]
    assert texts(entry) == [("окончание", promo.end.strftime("%d.%m.%Y"), new_end.strftime("%d.%m.%Y"))]


def test_history_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    # given a promo with a long history on many lines
    promo = world.promo(categories=("a",) * 30 + ("b",) * 30)
    for round_ in range(3):
        comment_add(promo=promo, actor=world.manager_a, text=f"Круг {round_}")
        point_corrections.promo_correct(promo=promo, actor=world.marketer, reason=f"Сдвиг {round_}",
                               end=promo.end - timedelta(days=1))
    transitions.promo_approve(promo=promo, actor=world.manager_a)
    transitions.promo_reject(promo=promo, actor=world.manager_b, reason="Нет")
    # when its history is read, then the query count does not grow with it
    with django_assert_max_num_queries(12):
        timeline = promo_history(promo=promo, user=world.marketer)
    assert len(timeline) == 8
