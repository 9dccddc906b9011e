"""How many entries a consumer's next transaction takes, from how long the last one took."""

from __future__ import annotations

import pytest

from gonghui.shared.consumer import FEWEST_PER_TRANSACTION, next_transaction_size

BUDGET = 0.05


@pytest.mark.parametrize(
    ("size", "took", "current", "expected", "why"),
    [
        (64, 0.040, 64, 80, "a full one under the budget: as many as fit at its pace"),
        (64, 0.010, 64, 128, "a quick full one: at most twice as many"),
        (64, 0.050, 64, 64, "a full one that just fit: the same"),
        (200, 0.100, 200, 100, "an overlong one: as many as would have fit"),
        (100, 1.000, 100, FEWEST_PER_TRANSACTION, "never fewer than the fewest"),
        (400, 0.010, 400, 500, "never more than a batch"),
        (10, 0.001, 64, 64, "a batch's short remainder only shows that it fit"),
        (40, 0.100, 64, FEWEST_PER_TRANSACTION, "an overlong remainder shrinks as well"),
    ],
)
def test_the_next_transaction_is_sized_to_the_budget_at_the_last_ones_pace(
    size: int, took: float, current: int, expected: int, why: str
) -> None:
    assert (
        next_transaction_size(size, took, current=current, budget=BUDGET, most=500) == expected
    ), why


def test_a_consumer_of_few_entries_a_transaction_is_never_sized_above_them() -> None:
    assert next_transaction_size(8, 1.0, current=8, budget=BUDGET, most=8) == 8
    assert next_transaction_size(8, 0.001, current=8, budget=BUDGET, most=8) == 8
