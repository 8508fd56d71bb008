"""Name resolution shared by every command."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ownership
from ownership.errors import AmbiguousName, EntityNotFound
from ownership.matching import Matcher
from ownership.model import Dataset, Entity, FormerName
from ownership.resolve import NameIndex, normalise_name, normalise_names

from .factories import day


@pytest.fixture(scope="module")
def index() -> Matcher:
    return Matcher(NameIndex(ownership.load(ownership.bundled_dataset())))


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Inspur Group Co., Ltd.", "inspur group"),
        ("INSPUR GROUP CO LTD", "inspur group"),
        ("Inspur Group Company Limited", "inspur group"),
        ("ＩＮＳＰＵＲ　ＧＲＯＵＰ", "inspur group"),  # full-width letters and space
        ("浪潮集团有限公司", "浪潮集团"),
        ("浪潮电子信息产业股份有限公司", "浪潮电子信息产业"),
        ("Aivres Systems, Inc.", "aivres systems"),
        ("Suma-USI Electronics", "suma usi electronics"),
        ("Ltd", "ltd"),  # a suffix alone is kept
    ],
)
def test_normalise_name(raw: str, normal: str) -> None:
    assert normalise_name(raw) == normal


@pytest.mark.parametrize(
    ("query", "entity", "how"),
    [
        ("inspur-group", "inspur-group", "id"),
        ("Inspur Group Co., Ltd.", "inspur-group", "name"),
        ("inspur group co ltd", "inspur-group", "name"),
        ("浪潮集团", "inspur-group", "alias"),
        ("浪潮集团有限公司", "inspur-group", "alias"),
        ("Inspur Systems", "aivres-systems", "former name"),
        ("Inspur Electronic Information Industry Co., Ltd.", "inspur-electronic", "alias"),
        ("ＩＥＩＴ　Ｓｙｓｔｅｍｓ", "inspur-electronic", "name"),
    ],
)
def test_resolve_by_id_name_alias_and_former_name(
    index: Matcher, query: str, entity: str, how: str
) -> None:
    match = index.resolve(query)
    assert (match.entity.id, match.how) == (entity, how)


def test_former_name_says_it_was_renamed_and_when(index: Matcher) -> None:
    note = index.resolve("Inspur Systems").note()
    assert (
        note
        == "'Inspur Systems, Inc.' is a former name of Aivres Systems Inc. (used until 2023-05-01); renamed."
    )


def test_nothing_matches_gives_suggestions(index: Matcher) -> None:
    with pytest.raises(EntityNotFound) as caught:
        index.resolve("Inspur Softwear")
    assert "Inspur Software Co., Ltd. [inspur-software]" in caught.value.suggestions
    assert "Did you mean" in str(caught.value)


def test_no_suggestion_for_an_unrelated_name(index: Matcher) -> None:
    with pytest.raises(EntityNotFound) as caught:
        index.resolve("Zyxwv Quantum Bakery")
    assert caught.value.suggestions == []


def test_ambiguous_name_lists_the_candidates() -> None:
    dataset = Dataset(
        entities=[
            Entity(id="a1", name="Alpha Trading Co., Ltd.", country="CN"),
            Entity(id="a2", name="Alpha Trading Limited", country="HK"),
            Entity(
                id="b",
                name="Beta",
                former_names=[FormerName(name="Alpha Trading", until=day("2020-01-01"))],
            ),
        ]
    )
    with pytest.raises(AmbiguousName) as caught:
        Matcher(NameIndex(dataset)).resolve("alpha trading")
    assert [c[0] for c in caught.value.candidates] == ["a1", "a2", "b"]
    assert "Use the id instead" in str(caught.value)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["co", "ltd", "inc", "limited", "gmbh", "group", "a", "x1"]),
            st.text(alphabet="AbCz09 &'(),./-_\t", max_size=8),
            st.text(max_size=6),
        ),
        max_size=6,
    ).map(" ".join)
)
def test_names_normalised_together_equal_one_by_one(name: str) -> None:
    assert normalise_names([name, "Plain Name Ltd."]).to_pylist() == [
        normalise_name(name),
        normalise_name("Plain Name Ltd."),
    ]


NAMES = ["Alpha Trading Co.", "ALPHA TRADING", "Beta Ltd", "beta", "Gamma Group", "Alpha"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(NAMES),
            st.lists(st.sampled_from(NAMES), max_size=2),
            st.lists(
                st.tuples(st.sampled_from(NAMES), st.sampled_from([None, day("2024-01-01")])),
                max_size=2,
            ),
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from([*NAMES, "alpha trading", "nothing"]),
)
def test_small_datasets_are_looked_up_in_python_as_with_arrow(
    rows: list[tuple[str, list[str], list[tuple[str, object]]]], query: str
) -> None:
    """A small dataset's exact look-up, made without Arrow, finds the same entities by
    the same names, how and until when, in the same order."""
    import ownership.resolve as resolve

    entities = [
        Entity(
            id=f"e{k}",
            name=name,
            aliases=aliases,
            former_names=[FormerName(name=f, until=until) for f, until in formers],
        )
        for k, (name, aliases, formers) in enumerate(rows)
    ]
    dataset = Dataset(entities=entities)
    small = NameIndex(dataset)._entries(normalise_name(query))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(resolve, "SMALL_INDEX", 0)
        with_arrow = NameIndex(dataset)._entries(normalise_name(query))
    assert [(e.id, name, how, until) for e, name, how, until in small] == [
        (e.id, name, how, until) for e, name, how, until in with_arrow
    ]
