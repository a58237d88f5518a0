"""config/widgets.py: FlatSelect writes, in one pass of Python, exactly what Django's Select
writes (the odd choices too); the dictionary path of a subclass that adds to each option."""

import re

import pytest
from django import forms
from django.utils.safestring import mark_safe

from config.widgets import FlatSelect, FlatSelectMultiple
from suppliers.models import Supplier


def spaced(html: str) -> str:
    return re.sub(r">\s+<", "><", html)


ODD_CHOICES = [(None, "ничего"), (1, mark_safe("<b>1</b>")), ("", [(2, "в группе без имени")]),
               ("«Группа» & <x>", [(3, 'a "b"'), (None, "c")]), (3, "повтор значения 3"), ("1", "строка 1")]


@pytest.mark.parametrize("value", [None, "", 1, "1", 3, "None", [1, 3], ["", 2]])
def test_the_flat_select_writes_what_the_select_writes_for_odd_choices(value):
    # given choices with a None value, a safe label, an unnamed group, a value twice
    for flat, plain in ((FlatSelect, forms.Select), (FlatSelectMultiple, forms.SelectMultiple)):
        if isinstance(value, list) and plain is forms.Select:
            continue
        # when both render them, then the markup is the same (up to blanks between tags)
        assert spaced(flat(choices=ODD_CHOICES).render("x", value, {"id": "id_x"})) == spaced(
            plain(choices=ODD_CHOICES).render("x", value, {"id": "id_x"}))


@pytest.mark.django_db
def test_the_flat_select_of_a_model_choice_writes_what_the_select_writes(demo_data):
    # given a choice of supplier, one chosen
    field = forms.ModelChoiceField(queryset=Supplier.objects.order_by("code"))
    chosen = Supplier.objects.order_by("code")[1]
    flat, plain = FlatSelect(), forms.Select()
    flat.choices = plain.choices = field.choices

    # when both render it, then the same markup, the chosen supplier selected
    html = flat.render("supplier", chosen.pk, {"required": True})
    assert spaced(html) == spaced(plain.render("supplier", chosen.pk, {"required": True}))
    assert f'<option value="{chosen.pk}" selected>' in html


def test_a_subclass_that_adds_to_each_option_keeps_its_additions():
    # given a select whose options each carry a data attribute
    class Tagged(FlatSelect):
        def create_option(self, *args, **kwargs):
            option = super().create_option(*args, **kwargs)
            option["attrs"]["data-tag"] = f"t{option['value']}"
            return option

    # when it renders, then every option has its attribute, and the chosen one is selected
    html = Tagged(choices=[(1, "a"), (2, "b")]).render("x", 2)
    assert '<option value="1" data-tag="t1">a</option>' in html
    assert '<option value="2" selected data-tag="t2">b</option>' in html


def test_the_branch_picker_writes_each_branch_s_city_and_region_as_the_select_would():
    # given branches grouped by «region · city», one chosen
    from branches.widgets import BranchPicker

    choices = [("Область · Город", [(1, "B0001 Магазин №1"), (2, "B0002 <2>")]), ("Край · Село", [(3, "B0003")])]

    class Reference(forms.SelectMultiple):  # what Django writes with the attributes added per option
        def create_option(self, name, value, *args, **kwargs):
            option = super().create_option(name, value, *args, **kwargs)
            region, _, city = next(group for group, options in choices if value in dict(options)).partition(" · ")
            option["attrs"] |= {"data-region": region, "data-city": city}
            return option

    # when the picker renders, then the markup is Django's with the same attributes
    picker = BranchPicker(choices=choices)
    html = picker.render("branches", [2], {"id": "id_branches"})
    assert spaced(html) == spaced(Reference(attrs=picker.attrs, choices=choices).render(
        "branches", [2], {"id": "id_branches"}))
    assert '<option value="2" selected data-region="Область" data-city="Город">B0002 &lt;2&gt;</option>' in html
