from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.promo.services.world import TODAY, build_world


@pytest.fixture(autouse=True)
def frozen_today():
    """Date rules (lead time, finished promos) read «today»: pin it, let the clock tick."""
    moment = datetime(TODAY.year, TODAY.month, TODAY.day, 10, 0, tzinfo=ZoneInfo("Asia/Novosibirsk"))
    with time_machine.travel(moment, tick=True):
        yield


@pytest.fixture
def world(db):
    return build_world()
