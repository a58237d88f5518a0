"""The permission pickers of the user and group pages in admin read in the administrator's
language. Django stores ``Permission.name`` at migrate time from the Russian verbose names
(«Can add товар»); the pickers label each choice from the model's current names and the action
(accounts/permissions.py), and the stored names stay as they are."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

pytestmark = pytest.mark.django_db


def picker_labels(html: str, field: str) -> list[str]:
    """The texts of the <option>s of the picker ``field``."""
    select = re.search(rf'<select name="{field}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [re.sub(r"\s+", " ", text).strip() for text in re.findall(r"<option[^>]*>(.*?)</option>", select, re.S)]


def page(client, url: str, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url).content.decode()


@pytest.fixture
def group(db):
    return Group.objects.create(name="Проверка прав")


def test_the_group_picker_reads_in_english_for_an_english_administrator(client_for, group):
    # given the stored names are Russian (as migrate wrote them)
    assert Permission.objects.get(codename="add_product").name == "Can add товар"

    # when an English-reading administrator opens a group's page
    labels = picker_labels(page(client_for("admin"), reverse("admin:auth_group_change", args=[group.pk]), "en"),
                           "permissions")

    # then the choices are English: the model, the action and the custom permissions
    assert "Suppliers and products | product | Can add product" in labels
    assert "Branches | branch group | Can change branch group" in labels
    assert "Suppliers and products | supplier | Act on behalf of the supplier" in labels
    assert not [label for label in labels if re.search("[а-яё]", label, re.I)], labels


def test_the_group_picker_reads_in_russian_for_a_russian_administrator(client_for, group):
    # given a Russian-reading administrator on the same page
    labels = picker_labels(page(client_for("admin"), reverse("admin:auth_group_change", args=[group.pk]), "ru"),
                           "permissions")

    # then the choices are Russian throughout (no «Can add товар»)
    assert "Поставщики и товары | товар | Может добавлять: товар" in labels
    assert "Поставщики и товары | поставщик | Работать от имени поставщика" in labels
    assert not [label for label in labels if label.startswith("Can ") or " | Can " in label]


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Promos | promo | Can view promo"),
    ("ru", "Промо-акции | промо-акция | Может просматривать: промо-акция"),
])
def test_the_user_picker_reads_in_the_readers_language(client_for, demo_user, language, expected):
    # given the administrator on the marketer's page
    url = reverse("admin:auth_user_change", args=[demo_user("marketer").pk])

    # when he opens it in his language
    labels = picker_labels(page(client_for("admin"), url, language), "user_permissions")

    # then the permission picker speaks it, and the stored names are untouched
    assert expected in labels
    assert Permission.objects.get(codename="view_promo").name == "Can view промо-акция"


def test_granting_through_the_labelled_picker_saves_the_permission(client_for, group):
    # given the permission «view product»
    permission = Permission.objects.get(codename="view_product")

    # when the administrator ticks it on the group's page and saves
    response = client_for("admin").post(reverse("admin:auth_group_change", args=[group.pk]),
                                        {"name": group.name, "permissions": [permission.pk]})

    # then the group holds it
    assert response.status_code == 302
    assert list(group.permissions.all()) == [permission]
