# Set Retail 10's answers as the vendor sends them (erp-formats.md §4.1): a rejected delivery
# state, the rejected actions, the package id of each upload and «Отправить заново».

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('exports', '0002_export_ledger'),
    ]

    operations = [
        migrations.AddField(
            model_name='exportfile',
            name='delivery_ti',
            field=models.CharField(blank=True, max_length=40, verbose_name='пакет Set Retail (TI)'),
        ),
        migrations.AddField(
            model_name='exportfile',
            name='rejections',
            field=models.JSONField(blank=True, default=list, verbose_name='отклонённые акции'),
        ),
        migrations.AddField(
            model_name='exportfile',
            name='resends',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='отправлено заново'),
        ),
        migrations.AlterField(
            model_name='exportfile',
            name='delivery_status',
            field=models.CharField(blank=True, choices=[('', '—'), ('pending', 'Ожидает отправки'), ('retrying', 'Повтор отправки'), ('succeeded', 'Принято Set Retail'), ('rejected', 'Отклонено Set Retail'), ('failed', 'Не доставлено')], default='', max_length=10, verbose_name='доставка'),
        ),
    ]
