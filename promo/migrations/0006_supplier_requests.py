"""Suppliers' requests become records (SupplierRequest, with history) instead of events only;
the event kinds of their answers and of the decision deadlines are named.

The requests recorded until now as ``extension_requested`` / ``cancellation_requested`` events
are carried over (:func:`requests_from_events`): each event becomes a request by its author at
its time. One that a later extension to the date asked for, or a later cancellation, fulfilled
is ``accepted`` by whoever did it, when; of the rest, the newest of each promo and kind stays
``open`` while the promo can still be extended or cancelled; every other one is ``declined``
with the answer that it was closed when requests became records (nobody had answered it)."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

CLOSED = "Закрыт при переносе запросов из журнала событий: ответа не было."


def requests_from_events(apps, schema_editor):
    PromoEvent = apps.get_model("promo", "PromoEvent")
    SupplierRequest = apps.get_model("promo", "SupplierRequest")
    kinds = {"extension_requested": "extension", "cancellation_requested": "cancellation"}
    asked = (PromoEvent.objects.filter(kind__in=kinds, promo__isnull=False)
             .select_related("promo", "promo__approved_revision").order_by("promo_id", "created_at", "pk"))
    fulfils = {"extension": "promo_extended", "cancellation": "promo_cancelled"}
    answers = {}
    for event in PromoEvent.objects.filter(kind__in=fulfils.values(), promo__isnull=False).order_by("created_at", "pk"):
        answers.setdefault((event.promo_id, event.kind), []).append(event)
    newest = {}
    for event in asked:
        newest[(event.promo_id, kinds[event.kind])] = event.pk
    for event in asked:
        kind = kinds[event.kind]
        request = event.payload.get("request") if isinstance(event.payload, dict) else None
        new_end = request.get("new_end") if isinstance(request, dict) else None
        if kind == "extension" and not new_end:
            continue  # an extension request without its date cannot become a record
        status, answered_by, answer, answered_at = "declined", None, CLOSED, event.created_at
        for later in answers.get((event.promo_id, fulfils[kind]), []):
            if later.created_at < event.created_at:
                continue
            if kind == "extension":
                change = next((c for c in later.payload.get("changes", []) if c.get("field") == "end"), {})
                if change.get("new") != new_end:
                    continue
            status, answered_by, answer, answered_at = "accepted", later.actor_id, later.reason, later.created_at
            break
        promo = event.promo
        if status == "declined" and newest[(event.promo_id, kind)] == event.pk:
            live = promo.status in ("submitted", "approved") if kind == "extension" else (
                promo.status != "cancelled" and promo.approved_revision_id is not None)
            if live:
                status, answer, answered_at = "open", "", None
        created = SupplierRequest.objects.create(
            promo_id=event.promo_id, kind=kind, new_end=new_end, reason=event.reason or "—",
            requested_by_id=event.actor_id, status=status, answered_by_id=answered_by, answer=answer or "",
            answered_at=answered_at)
        SupplierRequest.objects.filter(pk=created.pk).update(created_at=event.created_at,
                                                              updated_at=answered_at or event.created_at)


class Migration(migrations.Migration):

    dependencies = [
        ('promo', '0005_promoline_planned_quantity'),
        ('suppliers', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalSupplierRequest',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='создано')),
                ('kind', models.CharField(choices=[('extension', 'Продление'), ('cancellation', 'Отмена')], max_length=20, verbose_name='что просят')),
                ('new_end', models.DateField(blank=True, help_text='Только для продления.', null=True, verbose_name='новая дата окончания')),
                ('reason', models.TextField(verbose_name='причина')),
                ('status', models.CharField(choices=[('open', 'Ждёт ответа'), ('accepted', 'Принят'), ('declined', 'Отклонён')], default='open', max_length=10, verbose_name='статус')),
                ('answer', models.TextField(blank=True, verbose_name='ответ')),
                ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='когда ответили')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('answered_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='кто ответил')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('promo', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='promo.promo', verbose_name='промо')),
                ('requested_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='кто просит')),
            ],
            options={
                'verbose_name': 'historical запрос поставщика',
                'verbose_name_plural': 'historical запросы поставщиков',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='SupplierRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='создано')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='изменено')),
                ('kind', models.CharField(choices=[('extension', 'Продление'), ('cancellation', 'Отмена')], max_length=20, verbose_name='что просят')),
                ('new_end', models.DateField(blank=True, help_text='Только для продления.', null=True, verbose_name='новая дата окончания')),
                ('reason', models.TextField(verbose_name='причина')),
                ('status', models.CharField(choices=[('open', 'Ждёт ответа'), ('accepted', 'Принят'), ('declined', 'Отклонён')], default='open', max_length=10, verbose_name='статус')),
                ('answer', models.TextField(blank=True, verbose_name='ответ')),
                ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='когда ответили')),
                ('answered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='кто ответил')),
                ('promo', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='requests', to='promo.promo', verbose_name='промо')),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='кто просит')),
            ],
            options={
                'verbose_name': 'запрос поставщика',
                'verbose_name_plural': 'запросы поставщиков',
                'ordering': ['-created_at', '-pk'],
                'indexes': [models.Index(fields=['status', 'created_at'], name='supplierrequest_status_idx')],
                'constraints': [
                    models.UniqueConstraint(condition=models.Q(('status', 'open')), fields=('promo', 'kind'), name='supplierrequest_one_open_per_kind'),
                    models.CheckConstraint(condition=models.Q(models.Q(('kind', 'extension'), _negated=True), ('new_end__isnull', False), _connector='OR'), name='supplierrequest_extension_has_end'),
                ],
            },
        ),
        migrations.AlterField(
            model_name='promoevent',
            name='kind',
            field=models.CharField(choices=[('upload_imported', 'Файл загружен'), ('upload_rejected', 'Файл отклонён'), ('promo_created', 'Промо создано'), ('revision_created', 'Новая ревизия'), ('promo_submitted', 'Отправлено на согласование'), ('line_decided', 'Решение по строкам'), ('promo_approved', 'Согласовано'), ('promo_rejected', 'Отклонено'), ('promo_withdrawn', 'Отозвано'), ('promo_cancelled', 'Отменено'), ('promo_extended', 'Продлено'), ('promo_corrected', 'Точечная корректировка'), ('mass_corrected', 'Массовая корректировка'), ('targeting_changed', 'Изменены филиалы'), ('extension_requested', 'Запрошено продление'), ('cancellation_requested', 'Запрошена отмена'), ('request_accepted', 'Запрос поставщика принят'), ('request_declined', 'Запрос поставщика отклонён'), ('comment_added', 'Комментарий'), ('starts_tomorrow', 'Начинается завтра'), ('started', 'Началось'), ('finished', 'Завершилось'), ('decision_due', 'Срок решения — завтра'), ('decision_overdue', 'Срок решения прошёл'), ('export_failed', 'Выгрузка не удалась'), ('export_warnings', 'Выгрузка с предупреждениями')], db_index=True, max_length=40, verbose_name='событие'),
        ),
        migrations.RunPython(requests_from_events, migrations.RunPython.noop),
    ]
