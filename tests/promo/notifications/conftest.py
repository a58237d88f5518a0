"""A small world for notification tests: one supplier with two users, a second supplier,
three categories each with its own manager, a promo with lines in two of them, a marketer;
and a real SMTP server (aiosmtpd) on 127.0.0.1 for the delivery tests."""

import socket
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model

from promo.models import OutboxMessage, Promo
from tests.factories import (
    CategoryFactory,
    ProductFactory,
    PromoFactory,
    PromoLineFactory,
    SupplierFactory,
    category_manager,
    marketer,
    supplier_user,
)


@dataclass
class World:
    supplier: object
    other_supplier: object
    author: object
    colleague: object
    foreigner: object
    categories: list
    managers: list
    marketer: object
    promo: Promo


@pytest.fixture
def world(db) -> World:
    supplier, other_supplier = SupplierFactory(name="ООО «Ромашка»"), SupplierFactory()
    categories = [CategoryFactory() for _ in range(3)]
    promo = PromoFactory(supplier=supplier, name="Весенние скидки", start=date(2027, 2, 1),
                         end=date(2027, 2, 14), status=Promo.Status.DRAFT)
    for category, price in zip(categories[:2], ("100.00", "250.50"), strict=True):
        product = ProductFactory(supplier=supplier, category=category, regular_price=Decimal(price))
        PromoLineFactory(promo=promo, product=product)
    return World(
        supplier=supplier, other_supplier=other_supplier,
        author=supplier_user(supplier, username="author"),
        colleague=supplier_user(supplier, username="colleague"),
        foreigner=supplier_user(other_supplier, username="foreigner"),
        categories=categories,
        managers=[category_manager(category, username=f"km{i + 1}") for i, category in enumerate(categories)],
        marketer=marketer(username="mkt"),
        promo=promo,
    )


@pytest.fixture
def marketers(world):
    """Usernames of every marketer (the demo «marketer» too)."""
    return set(get_user_model().objects.filter(groups__name="marketer").values_list("username", flat=True))


def recipients(event) -> set[str]:
    return set(OutboxMessage.objects.filter(event=event).values_list("recipient__username", flat=True))


class Mailbox:
    """An aiosmtpd handler keeping what it accepted; ``refuse`` makes it reject the data."""

    def __init__(self):
        self.envelopes = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "554 5.6.0 Message refused"
        self.envelopes.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_port(settings):
    """Point the portal at SMTP on 127.0.0.1:<a free port> (nothing listens there yet)."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return port


@pytest.fixture
def smtp_server(smtp_port):
    """Start a real SMTP server on the configured port: ``start()`` returns its mailbox."""
    controllers = []

    def start() -> Mailbox:
        mailbox = Mailbox()
        controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        controllers.append(controller)
        return mailbox

    yield start
    for controller in controllers:
        controller.stop()
