import pytest
from django.core.management import CommandError, call_command

from marketplace.core.exceptions import InvalidTransition
from orders.management.commands.state_diagrams import (
    END,
    START,
    diagrams_block,
    readme_with_diagrams,
)
from orders.models import ORDER_STATUS, Order


def test_readme_diagrams_are_generated_from_the_code():
    # Fails when a transition changes in orders/models.py without `manage.py state_diagrams`.
    call_command("state_diagrams", "--check")


def test_every_declared_transition_is_drawn():
    block = diagrams_block()
    for transition in ORDER_STATUS.transitions.values():
        for source in transition.sources:
            assert f"{source} --> {transition.target}: {transition.name}" in block


def test_a_stale_readme_is_rewritten():
    stale = f"intro\n{START}\nold\n{END}\nend"
    new = readme_with_diagrams(stale)
    assert "old" not in new and new.startswith("intro\n") and new.endswith("\nend")
    with pytest.raises(CommandError):
        readme_with_diagrams("no markers")


def test_check_refuses_a_transition_from_a_state_it_does_not_leave():
    order = Order(status=Order.Status.CANCELLED)
    with pytest.raises(InvalidTransition):
        ORDER_STATUS.check(order, "pay")
    assert ORDER_STATUS.check(Order(status=Order.Status.PENDING_PAYMENT), "pay") == "paid"
    assert set(ORDER_STATUS.allowed("pending_payment")) == {"pay", "cancel", "expire"}
