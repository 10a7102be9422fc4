"""The README's flow diagrams are generated from supervision/flows.py and can't drift."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from supervision.flows import FLOWS
from supervision.management.commands.supervision_diagrams import (
    END,
    START,
    diagrams_block,
    readme_with_diagrams,
)


def test_readme_diagrams_are_up_to_date():
    # Fails when a flow changes in supervision/flows.py without `manage.py supervision_diagrams`.
    call_command("supervision_diagrams", "--check")


def test_every_flow_and_action_is_drawn():
    block = diagrams_block()
    for flow in FLOWS.values():
        assert f"(`{flow.code}`)" in block
        for action in flow.actions:
            assert f": {action.name} (" in block


def test_a_stale_readme_is_noticed():
    stale = f"intro\n{START}\nold picture\n{END}\nrest"
    assert readme_with_diagrams(stale) != stale
    with pytest.raises(CommandError):
        readme_with_diagrams("no markers")
