"""An upload's saving step reports its progress (lines written of lines to write), so the
progress bar moves on after the sheet is read."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('promo', '0003_promo_decision_clock'),
    ]

    operations = [
        migrations.AddField(
            model_name='promoupload',
            name='save_done',
            field=models.PositiveIntegerField(default=0, verbose_name='сохранено строк'),
        ),
        migrations.AddField(
            model_name='promoupload',
            name='save_total',
            field=models.PositiveIntegerField(default=0, verbose_name='сохранить строк'),
        ),
    ]
