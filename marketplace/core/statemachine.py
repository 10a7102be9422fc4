"""Declared state machines: each model lists its transitions once, the services check
against that list, and the README's diagrams are generated from the same list.

A transition is named after the service action that performs it (`pay`, `cancel` ...).
Services call `machine.check(obj, "pay")`, which raises `InvalidTransition` when the
object's current state is not a source of that transition, and return the target state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models

from .audit import check_state


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str


class StateMachine:
    """The allowed transitions of one state field of one model."""

    def __init__(
        self, *, field: str, states: type[models.TextChoices], transitions: Iterable[Transition]
    ) -> None:
        self.field = field
        self.states = states
        self.transitions = {t.name: t for t in transitions}
        known = set(states.values)
        for t in self.transitions.values():
            unknown = (set(t.sources) | {t.target}) - known
            if unknown:
                raise ValueError(f"transition {t.name} names unknown states {sorted(unknown)}")

    def check(self, obj: models.Model, name: str) -> str:
        """Raise `InvalidTransition` unless `name` may run from `obj`'s state; the target."""
        transition = self.transitions[name]
        check_state(obj, field=self.field, allowed=transition.sources)
        return transition.target

    def allowed(self, state: str) -> list[str]:
        """Names of the transitions that may run from `state` (for pages and buttons)."""
        return [t.name for t in self.transitions.values() if state in t.sources]

    def mermaid(self, *, title: str = "") -> str:
        """A Mermaid `stateDiagram-v2` of the declared transitions (README)."""
        lines = ["stateDiagram-v2"]
        if title:
            lines.insert(0, f"---\ntitle: {title}\n---")
        initial = self.states.values[0]
        lines.append(f"    [*] --> {initial}")
        for t in self.transitions.values():
            for source in t.sources:
                lines.append(f"    {source} --> {t.target}: {t.name}")
        return "\n".join(lines)
