"""Pages as a visitor meets them: sign-in, anonymous redirects, the language switch, the
home page per role, the static assets."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from branches.models import Branch
from suppliers.models import Product, Supplier

pytestmark = pytest.mark.django_db


def page_urls():
    branch, supplier, product = Branch.objects.first(), Supplier.objects.first(), Product.objects.first()
    return [
        reverse("home"),
        reverse("branches:branch_list"),
        branch.get_absolute_url(),
        reverse("suppliers:supplier_list"),
        supplier.get_absolute_url(),
        reverse("suppliers:product_list"),
        product.get_absolute_url(),
    ]


def test_anonymous_visitors_are_sent_to_login(client):
    for url in page_urls():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('login')}?next={url}", url


def test_the_login_page_is_in_russian(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ru">' in html
    assert "Вход в промо-портал" in html and "Пароль" in html


def test_signing_in_leads_to_the_page_asked_for(client):
    url = reverse("suppliers:product_list")
    response = client.post(f"{reverse('login')}?next={url}",
                           {"username": "s001", "password": "demo", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url)
    assert page.context["paginator"].count == 50


def test_a_wrong_password_is_told_in_russian(client):
    response = client.post(reverse("login"), {"username": "s001", "password": "nope"})
    assert response.status_code == 200
    assert "Неверное имя пользователя или пароль." in response.content.decode()


def test_signing_out(client_for):
    client = client_for("marketer")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_the_language_switch_turns_the_ui_english(client_for):
    # given a signed-in marketer on the Russian branch list
    client = client_for("marketer")
    url = reverse("branches:branch_list")
    assert "Филиалы" in client.get(url).content.decode()
    # when switching to English
    response = client.post(reverse("set_language"), {"language": "en", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    # then the page speaks English, and back again
    html = client.get(url).content.decode()
    assert '<html lang="en">' in html
    assert "Branches" in html and "Suppliers" in html and "Sign out" in html
    assert "Филиалы" not in html
    client.post(reverse("set_language"), {"language": "ru", "next": url})
    assert "Филиалы" in client.get(url).content.decode()


@pytest.mark.parametrize("username, menu, hidden", [
    ("s001", ["Мои товары"], ["Поставщики", "Администрирование"]),
    ("manager1", ["Филиалы", "Поставщики", "Товары"], ["Мои товары", "Администрирование"]),
    ("marketer", ["Филиалы", "Поставщики", "Товары"], ["Мои товары", "Администрирование"]),
    ("admin", ["Филиалы", "Поставщики", "Администрирование"], ["Мои товары"]),
])
def test_the_menu_follows_the_role(client_for, username, menu, hidden):
    nav = client_for(username).get(reverse("home")).content.decode().split('class="mainnav"')[1]
    nav = nav.split("</nav>")[0]
    for item in menu:
        assert item in nav, item
    for item in hidden:
        assert item not in nav, item


def test_the_home_page_shows_a_supplier_its_product_count(client_for):
    response = client_for("s001").get(reverse("home"))
    assert response.status_code == 200
    assert response.context["counts"]["products"] == 50
    assert "S001" in response.content.decode()


def test_the_layout_uses_local_assets_only(client_for):
    html = client_for("marketer").get(reverse("home")).content.decode()
    for asset in ("css/portal.css", "vendor/htmx.min.js", "js/portal.js"):
        assert f"/static/{asset}" in html
        assert finders.find(asset), asset
    assert "https://" not in html.split("<body")[0]


def test_admin_lists_open_for_the_administrator(client_for):
    import datetime

    from promo.models import PriceTagJob, SupplierRequest
    from tests.factories import BranchFactory, PromoLineFactory, UserFactory

    line = PromoLineFactory()
    user = UserFactory()
    SupplierRequest.objects.create(promo=line.promo, kind=SupplierRequest.Kind.CANCELLATION,
                                   reason="Нет товара", requested_by=user)
    PriceTagJob.objects.create(requested_by=user, branch=BranchFactory(), day=datetime.date(2027, 2, 1))
    client = client_for("admin")
    for name in ("branches/branch", "branches/region", "branches/branchgroup", "suppliers/supplier",
                 "suppliers/product", "suppliers/category", "suppliers/supplieruser", "promo/promo",
                 "promo/promoupload", "promo/promorevision", "promo/promoevent", "promo/promocomment",
                 "promo/supplierrequest", "promo/pricetagjob"):
        response = client.get(f"/admin/{name}/")
        assert response.status_code == 200, name


def test_admin_cannot_change_a_promos_state(client_for):
    from tests.factories import PromoLineFactory

    # given a draft promo with a line
    line = PromoLineFactory()
    promo = line.promo
    client = client_for("admin")
    url = f"/admin/promo/promo/{promo.pk}/change/"
    html = client.get(url).content.decode()
    # then status, version and the approved revision are shown, not editable
    for field in ("status", "version", "approved_revision", "start", "end"):
        assert f'name="{field}"' not in html, field
    assert 'name="name"' in html
    # and a forged POST cannot move the status
    client.post(url, {"name": "Новое имя", "status": "approved", "version": 99,
                      "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "1",
                      "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000",
                      "lines-0-id": line.pk, "lines-0-promo": promo.pk})
    promo.refresh_from_db()
    assert promo.name == "Новое имя"
    assert promo.status == "draft" and promo.version == 1
    # and promos are never added by hand
    assert client.get("/admin/promo/promo/add/").status_code == 403


def test_admin_offers_no_promo_deletion_that_could_only_be_refused(client_for):
    from tests.factories import PromoFactory

    # given a promo (with its creation event, which the audit trail keeps)
    promo = PromoFactory()
    client = client_for("admin")
    # when the administrator opens the promo list and the promo
    listing = client.get("/admin/promo/promo/").content.decode()
    page = client.get(f"/admin/promo/promo/{promo.pk}/change/").content.decode()
    # then neither offers «Удалить» (a promo is cancelled, never deleted), and the address refuses
    assert "delete_selected" not in listing and 'name="action"' not in listing
    assert f"/admin/promo/promo/{promo.pk}/delete/" not in page
    assert client.get(f"/admin/promo/promo/{promo.pk}/delete/").status_code == 403


def test_ui_is_russian_even_for_an_english_browser(client_for):
    # given s001 whose browser asks for English, without having used the language switch
    client = client_for("s001")
    # when the home page is opened
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    # then the portal speaks Russian (the default) until the person picks English
    assert response.headers["Content-Language"] == "ru"
    assert "Выйти" in response.content.decode()


def test_forbidden_page_explains_in_russian(client_for):
    # given a supplier user, when he opens the staff-only supplier list
    response = client_for("s001").get("/suppliers/")
    # then a 403 page in the portal's layout says so
    assert response.status_code == 403
    assert "Нет доступа" in response.content.decode()
