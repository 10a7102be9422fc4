"""The `bootstrap` filter writes stock inputs and selects in Python: the HTML must be what
Django's widget templates write (same attributes in the same order, escaped the same), and
`ChoiceLabels` must answer `get_FOO_display()` as Django does, in the active language."""

import pytest
from django import forms
from django.utils import translation

from marketplace.core.templatetags import ui
from supervision.flows import Node
from supervision.models import Case


class EveryWidget(forms.Form):
    choice = forms.ChoiceField(
        choices=[("", "Any"), ("x", "X <b>"), ("Group", [("g1", "G1"), ("g2", 'G"2')])],
        required=False,
    )
    many = forms.MultipleChoiceField(choices=[("1", "one"), ("2", "two")])
    text = forms.CharField(initial='he"llo', max_length=5)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    flag = forms.BooleanField(required=False, initial=True)
    count = forms.IntegerField(min_value=1)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    amount = forms.DecimalField()
    note = forms.CharField(widget=forms.Textarea, required=False)  # not a fast widget


def _same(html: str) -> str:
    return " ".join(html.replace("\n", " ").split()).replace("> <", "><")


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"choice": "g2", "many": ["1", "2"], "text": "z<", "day": "2026-01-02", "flag": "on"}
        | {"count": "0", "amount": "1.5"},
    ],
)
def test_fast_widgets_write_what_the_templates_write(data):
    form = EveryWidget(data)
    for field in form:
        attrs = {"class": "form-control"}
        fast = ui._fast_widget(field, dict(attrs))
        if field.name == "note":
            assert fast is None
            continue
        assert _same(fast) == _same(field.as_widget(attrs=dict(attrs))), field.name


def test_bootstrap_filter_marks_errors_on_the_fast_path():
    form = EveryWidget({"count": "0"})
    html = ui.bootstrap(form["count"])
    assert 'class="form-control is-invalid"' in html and 'aria-invalid="true"' in html


def test_choice_labels_follow_the_language():
    case = Case(node=Node.IMPLEMENTING, flow="standard", status="in_progress")
    with translation.override("en"):
        english = case.get_node_display()
    with translation.override("zh-hans"):
        chinese = case.get_node_display()
    assert english == str(Node.IMPLEMENTING.label) != chinese
    with translation.override("zh-hans"):
        assert chinese == str(Node.IMPLEMENTING.label)
    case.node = "no-such-node"
    assert case.get_node_display() == "no-such-node"
