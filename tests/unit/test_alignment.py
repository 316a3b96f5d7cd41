import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.alignment import check_alignment, require_no_loop, would_form_loop
from core.enums import Level
from core.errors import ValidationError


@pytest.mark.parametrize(
    ("child", "parent"),
    [
        (Level.INDIVIDUAL, Level.TEAM),
        (Level.INDIVIDUAL, Level.COMPANY),
        (Level.INDIVIDUAL, Level.INDIVIDUAL),
        (Level.TEAM, Level.COMPANY),
        (Level.TEAM, Level.TEAM),  # cross-team alignment at the same level
        ("company", "company"),
    ],
)
def test_aligning_to_a_higher_or_equal_level_is_allowed(child, parent):
    check_alignment(child, parent)


@pytest.mark.parametrize(
    ("child", "parent"),
    [(Level.COMPANY, Level.TEAM), (Level.COMPANY, Level.INDIVIDUAL), (Level.TEAM, "individual")],
)
def test_aligning_to_a_lower_level_is_refused(child, parent):
    with pytest.raises(ValidationError, match="higher or equal level"):
        check_alignment(child, parent)


def test_unknown_level_is_refused():
    with pytest.raises(ValidationError, match="Unknown objective level 'division'"):
        check_alignment("division", "company")


# Existing tree: 1 (company) ← 2 ← 3 ← 4 ; 5 stands alone.
TREE = {2: 1, 3: 2, 4: 3}


def parent_of(objective_id):
    return TREE.get(objective_id)


@pytest.mark.parametrize(
    ("child", "parent", "loop"),
    [
        (5, 4, False),  # hang a new objective under the bottom
        (5, 1, False),
        (4, 1, False),  # re-align to a grand-parent
        (1, 4, True),  # top under its own descendant
        (2, 3, True),  # under its direct child
        (3, 3, True),  # under itself
    ],
)
def test_would_form_loop(child, parent, loop):
    assert would_form_loop(child, parent, parent_of) is loop


def test_existing_loop_elsewhere_does_not_hang_the_check():
    broken = {10: 11, 11: 12, 12: 10}  # bad data: already a loop
    calls = []

    def lookup(objective_id):
        calls.append(objective_id)
        return broken.get(objective_id)

    assert would_form_loop(99, 10, lookup) is False
    assert len(calls) <= 3


def test_existing_loop_through_the_child_is_detected():
    broken = {10: 11, 11: 10}
    assert would_form_loop(11, 10, broken.get) is True


def test_require_no_loop_names_the_loop():
    titles = {1: "Win the market", 2: "Grow sales", 3: "Close 10 deals"}
    with pytest.raises(ValidationError) as refused:
        require_no_loop(1, 3, parent_of, titles.__getitem__)
    assert str(refused.value).startswith(
        "This alignment would form a loop: Win the market → Close 10 deals → Grow sales → "
        "Win the market."
    )


def test_require_no_loop_uses_ids_without_names():
    with pytest.raises(ValidationError, match="would form a loop: #3 → #3"):
        require_no_loop(3, 3, parent_of)


def test_require_no_loop_allows_a_tree():
    require_no_loop(5, 4, parent_of)


@given(st.dictionaries(st.integers(0, 20), st.integers(0, 20)), st.integers(0, 20))
def test_aligning_a_fresh_objective_never_forms_a_loop(links, parent):
    # An objective nothing aligns to yet (id 100) cannot close a loop, whatever the data.
    assert would_form_loop(100, parent, links.get) is False


@given(st.lists(st.integers(0, 50), min_size=1, max_size=20, unique=True))
def test_aligning_the_top_of_a_chain_under_any_member_forms_a_loop(chain):
    links = dict(zip(chain[1:], chain, strict=False))  # each aligns to the one before
    for member in chain:
        assert would_form_loop(chain[0], member, links.get) is True
