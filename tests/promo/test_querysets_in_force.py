"""«In force» is one rule (promo.services.workflow.in_force); the promo queryset's condition
for it (counted on the home page) says the same of every promo."""

import pytest

from promo.models import Promo
from promo.services.workflow import in_force
from tests.factories import PromoFactory


@pytest.mark.django_db
def test_the_in_force_condition_answers_as_the_workflow_rule_for_every_status():
    from promo.services.revisions import revision_record

    # given a promo in every status, with and without an approved revision
    promos = []
    for status in Promo.Status.values:
        for approved in (False, True):
            promo = PromoFactory(status=status)
            if approved:
                promo.approved_revision = revision_record(promo=promo)
                promo.save(update_fields=["approved_revision"])
            promos.append(promo)

    # when the database is asked which are in force
    found = set(Promo.objects.filter(pk__in=[promo.pk for promo in promos]).in_force().values_list("pk", flat=True))

    # then it names the promos the workflow rule says are in force, and those only
    assert found == {promo.pk for promo in promos if in_force(promo)}
    assert {Promo.Status.APPROVED, Promo.Status.SUBMITTED, Promo.Status.REJECTED} == {
        promo.status for promo in promos if promo.pk in found}
