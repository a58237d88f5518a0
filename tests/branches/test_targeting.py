"""Targeting rules: resolution to branches on a date, and the «Филиалы» parser."""

from datetime import date

import pytest

from branches.models import Branch, Region
from branches.targeting import (
    Targeting,
    TargetingCatalog,
    TargetingParseError,
    parse_branches_text,
    resolve,
    resolve_among,
    unreached_exclusions,
)
from tests.factories import BranchFactory, BranchGroupFactory, CityFactory, RegionFactory

DAY = date(2027, 3, 1)


@pytest.fixture
def chain(db):
    """A small region of our own beside the demo set: two cities, five branches, one closed
    before DAY, one opening after it."""
    region = RegionFactory(code="TST", name="Тестовый край")
    north, south = CityFactory(region=region, name="Северный"), CityFactory(region=region, name="Южный")
    branches = {
        "N1": BranchFactory(code="N1", city=north),
        "N2": BranchFactory(code="N2", city=north),
        "S1": BranchFactory(code="S1", city=south),
        "CLOSED": BranchFactory(code="CLOSED", city=south, closed=date(2027, 2, 1)),
        "LATER": BranchFactory(code="LATER", city=south, opened=date(2027, 6, 1)),
    }
    return {"region": region, "north": north, "south": south, **branches}


def resolved_codes(targeting, on=DAY, **kwargs) -> set[str]:
    return set(resolve(targeting, on=on, **kwargs).values_list("code", flat=True))


def test_whole_chain_is_every_branch_open_on_the_day(chain):
    codes = resolved_codes(Targeting.whole_chain())
    assert codes == set(Branch.objects.open_on(DAY).values_list("code", flat=True))
    assert {"N1", "N2", "S1"} <= codes
    assert not {"CLOSED", "LATER"} & codes


def test_region_covers_its_open_branches(chain):
    assert resolved_codes(Targeting(regions=(chain["region"].pk,))) == {"N1", "N2", "S1"}


def test_city(chain):
    assert resolved_codes(Targeting(cities=(chain["north"].pk,))) == {"N1", "N2"}


def test_group_and_single_branch_combine(chain):
    group = BranchGroupFactory(branches=[chain["N1"], chain["S1"]])
    targeting = Targeting(groups=(group.pk,), branches=(chain["N2"].pk,))
    assert resolved_codes(targeting) == {"N1", "N2", "S1"}


def test_a_branch_in_two_rules_is_listed_once(chain):
    group = BranchGroupFactory(branches=[chain["N1"]])
    targeting = Targeting(regions=(chain["region"].pk,), groups=(group.pk,), branches=(chain["N1"].pk,))
    assert list(resolve(targeting, on=DAY).values_list("code", flat=True)) == ["N1", "N2", "S1"]


def test_exclusions_are_taken_out(chain):
    targeting = Targeting(regions=(chain["region"].pk,), exclude=(chain["N2"].pk,))
    assert resolved_codes(targeting) == {"N1", "S1"}
    chain_minus = resolved_codes(Targeting(chain=True, exclude=(chain["N1"].pk,)))
    assert "N1" not in chain_minus and "N2" in chain_minus


def test_a_closed_branch_drops_out_from_its_closing_day(chain):
    targeting = Targeting(cities=(chain["south"].pk,))
    assert "CLOSED" in resolved_codes(targeting, on=date(2027, 1, 31))
    assert "CLOSED" not in resolved_codes(targeting, on=date(2027, 2, 1))


def test_a_branch_opened_later_in_a_targeted_region_is_in_from_its_opening(chain):
    # given rules stored before the branch existed
    targeting = Targeting(regions=(chain["region"].pk,))
    rules = targeting.to_json()
    newcomer = BranchFactory(code="NEW", city=chain["north"], opened=date(2027, 5, 1))
    # when resolved before and after it opens, then it is in only from its opening day
    stored = Targeting.from_json(rules)
    assert "NEW" not in resolved_codes(stored, on=date(2027, 4, 30))
    assert "NEW" in resolved_codes(stored, on=newcomer.opened)
    assert "LATER" in resolved_codes(stored, on=date(2027, 6, 1))


def test_until_leaves_out_branches_closing_before_the_end(chain):
    # given a promo from 01.01 to 28.02 and a branch closing 01.02
    targeting = Targeting(cities=(chain["south"].pk,))
    assert "CLOSED" in resolved_codes(targeting, on=date(2027, 1, 1))
    assert "CLOSED" not in resolved_codes(targeting, on=date(2027, 1, 1), until=date(2027, 2, 28))


def test_empty_rules_resolve_to_nothing(chain):
    assert Targeting().is_empty
    assert not resolve(Targeting(), on=DAY).exists()


def test_rules_round_trip_through_json_and_compare_equal():
    a = Targeting(regions=(3, 1, 3), branches=(7,), exclude=(9, 2))
    assert a.regions == (1, 3) and a.exclude == (2, 9)
    assert Targeting.from_json(a.to_json()) == a
    assert Targeting.from_json(None) == Targeting()


# The parser, on the demo reference set (conftest loads it).

def pk_of(model, **lookup) -> int:
    return model.objects.get(**lookup).pk


@pytest.mark.parametrize("text", ["Все", "все", "ВСЁ", "Вся сеть", "", None, "  "])
def test_all_means_the_whole_chain(db, text):
    assert parse_branches_text(text) == Targeting.whole_chain()


def test_region_and_city_names_and_branch_codes(db):
    targeting = parse_branches_text("Новосибирская область; Томск, B0001")
    assert targeting.regions == (pk_of(Region, code="NSK"),)
    assert len(targeting.cities) == 1
    assert targeting.branches == (pk_of(Branch, code="B0001"),)
    assert not targeting.chain


def test_names_are_matched_without_regard_to_case_spaces_and_yo(db):
    assert parse_branches_text("  новосибирская   ОБЛАСТЬ ") == parse_branches_text("Новосибирская область")
    assert parse_branches_text("b0001") == parse_branches_text("B0001")


def test_region_code_and_branch_group(db):
    targeting = parse_branches_text("KEM; Крупные города")
    assert targeting.regions == (pk_of(Region, code="KEM"),)
    assert len(targeting.groups) == 1


@pytest.mark.parametrize("text", ["Все, кроме B0005", "кроме B0005", "Все; -B0005", "Все; без B0005"])
def test_exclusions(db, text):
    assert parse_branches_text(text) == Targeting(chain=True, exclude=(pk_of(Branch, code="B0005"),))


def test_an_exclusion_carries_over_commas_until_a_semicolon(db):
    # given «кроме» followed by two codes, then a new clause
    targeting = parse_branches_text("Новосибирская область, кроме B0003, B0004; B0100")
    # then both codes are excluded and the part after «;» is included again
    assert targeting.exclude == (pk_of(Branch, code="B0003"), pk_of(Branch, code="B0004"))
    assert targeting.branches == (pk_of(Branch, code="B0100"),)
    resolved = set(resolve(targeting, on=DAY).values_list("code", flat=True))
    assert not {"B0003", "B0004"} & resolved
    assert {"B0001", "B0100"} <= resolved


def test_a_name_after_an_exclusion_is_included(db):
    # a region after the excluded codes ends the exclusion: it is not a branch code
    # (the excluded branch is in Tomsk: an exclusion the regions never reach is refused)
    tomsk = Branch.objects.filter(region__code="TOM").order_by("code").first()
    targeting = parse_branches_text(f"Томская область, кроме {tomsk.code}, Омская область")
    assert targeting.regions == tuple(sorted((pk_of(Region, code="TOM"), pk_of(Region, code="OMS"))))
    assert targeting.exclude == (tomsk.pk,)


def test_unknown_names_are_an_error_naming_each_of_them(db):
    with pytest.raises(TargetingParseError) as error:
        parse_branches_text("Новосибирская область; Атлантида; B9999, кроме Z1")
    assert error.value.unknown == ["Атлантида", "B9999", "кроме Z1"]
    message = str(error.value)
    for name in ("Атлантида", "B9999", "Z1"):
        assert name in message


def test_the_catalog_parses_many_cells_with_no_further_queries(db, django_assert_num_queries):
    # given a catalogue loaded once, as the importer does for a sheet of thousands of rows
    catalog = TargetingCatalog.load()
    # when parsing many cells, then the database is not asked again
    with django_assert_num_queries(0):
        for _ in range(100):
            catalog.parse("Новосибирская область; кроме B0005")
            catalog.parse("Томск, B0001")


def test_describe_gives_a_readable_text(db):
    targeting = parse_branches_text("Новосибирская область; B0010; кроме B0005")
    assert targeting.describe() == "Новосибирская область; B0010; кроме B0005"
    assert Targeting.whole_chain().describe() == "Вся сеть"


def test_resolve_among_answers_what_resolve_gives_for_many_rule_sets_in_one_query(chain, django_assert_num_queries):
    # given rule sets of every kind, on days around the closing and opening dates
    group = BranchGroupFactory(branches=[chain["N1"], chain["CLOSED"]])
    rule_sets = [Targeting.whole_chain(), Targeting(regions=(chain["region"].pk,)),
                 Targeting(cities=(chain["south"].pk,)), Targeting(groups=(group.pk,)),
                 Targeting(groups=(group.pk,), branches=(chain["S1"].pk,), exclude=(chain["N1"].pk,)),
                 Targeting(chain=True, exclude=(chain["N2"].pk,)), Targeting()]
    days = [(date(2027, 1, 15), None), (date(2027, 1, 15), date(2027, 2, 10)), (DAY, None), (date(2027, 6, 1), None)]
    keys = [(rules, on, until) for rules in rule_sets for on, until in days]
    ours = {chain[code].pk for code in ("N1", "N2", "S1", "CLOSED", "LATER")}

    # when the chain's five branches are asked about all of them at once
    with django_assert_num_queries(1):
        found = resolve_among(keys, branch_ids=ours)

    # then each answer is resolve()'s, among those branches
    for rules, on, until in keys:
        expected = set(resolve(rules, on=on, until=until).filter(pk__in=ours).values_list("pk", flat=True))
        assert found[(rules, on, until)] == expected, (rules, on, until)


def test_an_exclusion_the_parts_to_include_never_reach_is_refused_in_the_sheet_and_the_editor(chain):
    # given a group of N1 and S1 (two cities of the test region) and the parts naming them
    group = BranchGroupFactory(name="Пилот", branches=[chain["N1"], chain["S1"]])
    catalog = TargetingCatalog.load()

    # when an exclusion is reached (by the group, by the city, by the branch itself), then parsed
    assert catalog.parse("Пилот; кроме N1").exclude == (chain["N1"].pk,)
    assert catalog.parse("Северный; кроме N2").exclude == (chain["N2"].pk,)
    assert catalog.parse("N1, S1; кроме S1").exclude == (chain["S1"].pk,)
    # and the chain minus a branch is always fine
    assert catalog.parse("Все; кроме N2").exclude == (chain["N2"].pk,)

    # when it is not (N2 is in the north, LATER in no group and the south), then refused naming only those
    with pytest.raises(TargetingParseError) as refusal:
        catalog.parse("Пилот; Северный; кроме N1, N2, LATER")
    assert refusal.value.reason == "exclusion_unreached" and refusal.value.unknown == ["LATER"]
    # and the editor's rule (over the database) says the same of the same rules
    rules = Targeting(groups=(group.pk,), cities=(chain["north"].pk,),
                      exclude=(chain["N1"].pk, chain["N2"].pk, chain["LATER"].pk))
    assert unreached_exclusions(rules) == ["LATER"]
