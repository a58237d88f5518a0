"""Set Retail 10's answer about a file stored as data: ``ExportFile.delivery_message`` (a code and
its params, exports/wording.py) replaces the text ``delivery_detail``, which was written in one
language (the portal's, or the language of whoever pressed «Отправить заново») and shown so to
every reader. Each reader now gets it in their language (page, API ``files[].delivery_detail``,
mail).

An answer stored before is kept as it was written: ``{"code": "text", "params": {"text": ...}}``,
shown as is. Backwards, such a text comes back as it was; an answer stored as data is written
back as its Russian text."""

from django.db import migrations, models
from django.utils import translation


def texts_to_messages(apps, schema_editor):
    ExportFile = apps.get_model("exports", "ExportFile")
    rows = ExportFile.objects.exclude(delivery_detail="").values_list("pk", "delivery_detail")
    for pk, text in rows.iterator(chunk_size=2000):
        ExportFile.objects.filter(pk=pk).update(delivery_message={"code": "text", "params": {"text": text}})


def messages_to_texts(apps, schema_editor):
    from exports.wording import delivery_text

    ExportFile = apps.get_model("exports", "ExportFile")
    with translation.override("ru"):
        for export_file in ExportFile.objects.exclude(delivery_message={}).iterator(chunk_size=2000):
            ExportFile.objects.filter(pk=export_file.pk).update(delivery_detail=delivery_text(export_file))


class Migration(migrations.Migration):

    dependencies = [
        ("exports", "0005_sort_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="exportfile",
            name="delivery_message",
            field=models.JSONField(blank=True, default=dict, verbose_name="ответ системы"),
        ),
        migrations.RunPython(texts_to_messages, messages_to_texts),
        migrations.RemoveField(
            model_name="exportfile",
            name="delivery_detail",
        ),
    ]
