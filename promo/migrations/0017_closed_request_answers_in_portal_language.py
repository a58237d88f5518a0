"""The answer the portal wrote itself when a promo became final with a supplier's request open
(«Промо отменено: запрос закрыт.», «Промо отозвано: запрос закрыт.»: ``CLOSED_ANSWERS``) used to
be stored in the language of whoever cancelled or withdrew the promo. Such an answer stored in
English stayed English for Russian readers (``SupplierRequest.answer_text`` words only the stored
portal-language answer for each reader). This step stores an answer that is exactly one of the
portal's automatic answers, in English as the English catalogue wrote it, as the portal's
answer, so it is worded for each reader again. Any other answer (typed by a person) is left as it
is, and so are the request's history rows (what was stored at the time). Backwards, nothing is
changed: the portal's answer is what the code writes today."""

from django.db import migrations

# The automatic answers in English, as the catalogue wrote them (locale/en, qa-4 L2), and the
# portal's answer each stands for. Written out here: the migration must not follow a later
# change of the translation.
ENGLISH_ANSWERS = {
    "The promo is cancelled: the request is closed.": "Промо отменено: запрос закрыт.",
    "The promo is withdrawn: the request is closed.": "Промо отозвано: запрос закрыт.",
}


def english_answers_to_portal_answers(apps, schema_editor):
    SupplierRequest = apps.get_model("promo", "SupplierRequest")
    for english, portal in ENGLISH_ANSWERS.items():
        SupplierRequest.objects.filter(answer=english).update(answer=portal)


class Migration(migrations.Migration):

    dependencies = [
        ("promo", "0016_notificationsettings_language_chosen"),
    ]

    operations = [
        migrations.RunPython(english_answers_to_portal_answers, migrations.RunPython.noop),
    ]
