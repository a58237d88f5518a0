# The export ledger (erp-formats.md §1 "Deletions: the export ledger"): what each system file holds
# per promo, the head of each ledger, what each run changed at the tills, deletions per file and the
# files a run did not write (an empty Set10 night).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('exports', '0001_initial'),
        ('promo', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='exportfile',
            name='changes',
            field=models.JSONField(blank=True, default=dict, help_text='Сколько записей добавлено, изменено, удалено против журнала отправленного.', verbose_name='изменения на кассе'),
        ),
        migrations.AddField(
            model_name='exportfile',
            name='deletions',
            field=models.PositiveBigIntegerField(default=0, verbose_name='из них удалений'),
        ),
        migrations.AddField(
            model_name='exportrun',
            name='skipped',
            field=models.JSONField(blank=True, default=list, help_text='Файлы, которые не записаны, потому что отправлять нечего.', verbose_name='не записанные файлы'),
        ),
        migrations.CreateModel(
            name='ExportLedgerHead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=30, unique=True, verbose_name='файл')),
                ('system', models.CharField(choices=[('sap', 'SAP'), ('smarket', 'S-Market'), ('setretail', 'Set Retail 10')], max_length=10, verbose_name='система')),
                ('business_date', models.DateField(blank=True, null=True, verbose_name='дата выгрузки')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='создано')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='изменено')),
                ('run', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='exports.exportrun', verbose_name='выгрузка')),
            ],
            options={
                'verbose_name': 'состояние журнала отправленного',
                'verbose_name_plural': 'состояния журнала отправленного',
                'ordering': ['kind'],
            },
        ),
        migrations.CreateModel(
            name='ExportChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('system', models.CharField(choices=[('sap', 'SAP'), ('smarket', 'S-Market'), ('setretail', 'Set Retail 10')], max_length=10, verbose_name='система')),
                ('kind', models.CharField(max_length=30, verbose_name='вид файла')),
                ('promo_code', models.CharField(max_length=20, verbose_name='код промо')),
                ('promo_name', models.CharField(blank=True, max_length=200, verbose_name='название промо')),
                ('added', models.PositiveBigIntegerField(default=0, verbose_name='добавлено')),
                ('changed', models.PositiveBigIntegerField(default=0, verbose_name='изменено')),
                ('deleted', models.PositiveBigIntegerField(default=0, verbose_name='удалено')),
                ('repeated', models.PositiveBigIntegerField(default=0, verbose_name='удаление повторено')),
                ('unchanged', models.PositiveBigIntegerField(default=0, verbose_name='без изменений')),
                ('detail', models.JSONField(blank=True, default=dict, verbose_name='подробности')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='создано')),
                ('promo', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='export_changes', to='promo.promo', verbose_name='промо')),
                ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='changes', to='exports.exportrun', verbose_name='выгрузка')),
            ],
            options={
                'verbose_name': 'изменение на кассе',
                'verbose_name_plural': 'изменения на кассе',
                'ordering': ['run', 'promo_code', 'kind'],
                'indexes': [models.Index(fields=['run', 'kind'], name='exports_exp_run_id_3ba450_idx'), models.Index(fields=['run', 'promo_code'], name='exports_exp_run_id_c653a9_idx')],
            },
        ),
        migrations.CreateModel(
            name='ExportLedgerEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=30, verbose_name='файл')),
                ('system', models.CharField(choices=[('sap', 'SAP'), ('smarket', 'S-Market'), ('setretail', 'Set Retail 10')], max_length=10, verbose_name='система')),
                ('promo_code', models.CharField(max_length=20, verbose_name='код промо')),
                ('state', models.JSONField(default=dict, verbose_name='отправлено')),
                ('digest', models.CharField(max_length=64, verbose_name='отпечаток')),
                ('ends', models.DateField(help_text='Последний день отправленных периодов: после него запись уходит.', verbose_name='до')),
                ('records', models.PositiveBigIntegerField(default=0, verbose_name='записей действует')),
                ('deleting', models.PositiveBigIntegerField(default=0, verbose_name='записей удаляется')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='создано')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='изменено')),
                ('promo', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='export_ledger', to='promo.promo', verbose_name='промо')),
                ('run', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='exports.exportrun', verbose_name='изменено выгрузкой')),
            ],
            options={
                'verbose_name': 'запись журнала отправленного',
                'verbose_name_plural': 'журнал отправленного',
                'ordering': ['kind', 'promo_code'],
                'indexes': [models.Index(fields=['ends'], name='exports_exp_ends_2258ba_idx')],
                'constraints': [models.UniqueConstraint(fields=('kind', 'promo_code'), name='exportledger_unique_promo')],
            },
        ),
    ]
