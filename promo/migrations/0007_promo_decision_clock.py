"""The decision clock of a promo's revision waiting for approval: when it was sent and the day
its decision is due (promo/deadlines.py), indexed with the status for the approval queue.

Promos waiting for approval today get theirs from the newest event that sent their current
revision to approval (else their last change), with the deadline settings in force."""

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from promo import deadlines


def clocks_for_waiting_promos(apps, schema_editor):
    Promo = apps.get_model("promo", "Promo")
    PromoEvent = apps.get_model("promo", "PromoEvent")
    holidays = deadlines.parse_holidays(getattr(settings, "PROMO_HOLIDAYS", ""))
    for promo in Promo.objects.filter(status="submitted").iterator():
        sent = (PromoEvent.objects.filter(promo_id=promo.pk, to_status="submitted", payload__revision=promo.revision)
                .order_by("-created_at", "-pk").values_list("created_at", flat=True).first())
        sent = sent or (PromoEvent.objects.filter(promo_id=promo.pk, kind="promo_submitted")
                        .order_by("-created_at", "-pk").values_list("created_at", flat=True).first())
        sent = sent or promo.updated_at
        due = deadlines.decision_due(
            submitted_on=timezone.localdate(sent), start=promo.start,
            working_days=getattr(settings, "PROMO_DECISION_WORKING_DAYS", 3),
            buffer_days=getattr(settings, "PROMO_DECISION_BUFFER_DAYS", 7), holidays=holidays)
        Promo.objects.filter(pk=promo.pk).update(submitted_at=sent, decision_due=due)


class Migration(migrations.Migration):

    dependencies = [
        ('promo', '0006_supplier_requests'),
    ]

    operations = [
        migrations.AddField(
            model_name='promo',
            name='decision_due',
            field=models.DateField(blank=True, null=True, verbose_name='срок решения'),
        ),
        migrations.AddField(
            model_name='promo',
            name='submitted_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='отправлено на согласование'),
        ),
        migrations.AddIndex(
            model_name='promo',
            index=models.Index(fields=['status', 'decision_due'], name='promo_status_due_idx'),
        ),
        migrations.RunPython(clocks_for_waiting_promos, migrations.RunPython.noop),
    ]
