"""Forms of the supervision pages (both centers): the list's filters and one small form
per case action. The forms only shape the input; the services decide (whose turn, what
the flow needs, the files' content) and refuse with a translated message."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .files import EVIDENCE_MIMES, MAX_FILES_PER_ACTION
from .flows import FlowCode, Node
from .models import CASE_STATUSES

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})
ANY = _("Any")
ACCEPT = ",".join(sorted({ext for exts in EVIDENCE_MIMES.values() for ext in exts}))
TEXT = forms.Textarea(attrs={"rows": 3})


# --- the lists' filters ---------------------------------------------------------------------


class CaseFilterForm(forms.Form):
    """The filters of both lists. Invalid values are dropped (a hand-edited URL gives the
    wider list, never an error), as the order lists do."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    node = forms.ChoiceField(label=_("Node"), required=False)
    flow = forms.ChoiceField(label=_("Flow"), required=False)
    product = forms.TypedChoiceField(
        label=_("Product"),
        required=False,
        coerce=int,
        empty_value=None,
        # The options are product names sellers wrote (the browser crawl skips them).
        widget=forms.Select(attrs={"data-user-content": ""}),
    )
    opened_from = forms.DateField(label=_("Opened from"), required=False, widget=DATE_WIDGET)
    opened_to = forms.DateField(label=_("Opened until"), required=False, widget=DATE_WIDGET)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    todo = forms.BooleanField(label=_("Waiting for me"), required=False)

    def __init__(self, data=None, *, product_choices=(), **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.fields["status"].choices = [("", ANY), *CASE_STATUSES]
        self.fields["node"].choices = [("", ANY), *Node.choices]
        self.fields["flow"].choices = [("", ANY), *FlowCode.choices]
        self.fields["product"].choices = [("", ANY), *product_choices]

    def filters(self) -> dict:
        """The valid values, as the list selectors take them."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}

    @property
    def is_filtered(self) -> bool:
        return bool(self.filters())


# --- files ----------------------------------------------------------------------------------


def _files_help() -> str:
    return gettext("PDF, images, Word, Excel, PowerPoint or ZIP; at most %(count)s files.") % {
        "count": MAX_FILES_PER_ACTION
    }


# Translated when shown (a form field's help text is built once, at import).
FILES_HELP = lazy(_files_help, str)()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceFilesField(forms.FileField):
    """Several files from one multiple file input, as a list. Their content is checked by
    the service (`supervision.files`), which names the file it refuses."""

    widget = MultipleFileInput

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Files"))
        kwargs.setdefault("help_text", FILES_HELP)
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = ACCEPT

    def clean(self, data, initial=None):
        uploads = [u for u in (data if isinstance(data, list | tuple) else [data]) if u]
        if not uploads:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        return [super(EvidenceFilesField, self).clean(upload, initial) for upload in uploads]


# --- one form per action --------------------------------------------------------------------


class ActionForm(forms.Form):
    """An action's form: `service_kwargs()` is what the service takes besides the case
    and the actor."""

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class CommentForm(ActionForm):
    comment = forms.CharField(label=_("Comment (optional)"), required=False, widget=TEXT)


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), widget=TEXT)


class ReasonFilesForm(ReasonForm):
    files = EvidenceFilesField(required=False)


class RequirementsForm(ActionForm):
    requirements = forms.CharField(
        label=_("Requirements"), widget=forms.Textarea(attrs={"rows": 5})
    )
    files = EvidenceFilesField(required=False)


class DescriptionFilesForm(ActionForm):
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    files = EvidenceFilesField(required=False)


class DeliverCodeForm(ActionForm):
    code = forms.CharField(label=_("License code"), max_length=64)
    comment = forms.CharField(label=_("Comment (optional)"), required=False, widget=TEXT)


class ShipForm(ActionForm):
    carrier = forms.CharField(label=_("Carrier"), max_length=50)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=50)
    recipient_phone = forms.CharField(label=_("Recipient's phone"), max_length=20)
    comment = forms.CharField(label=_("Comment (optional)"), required=False, widget=TEXT)


class SignedForForm(ActionForm):
    signed_for_at = forms.DateTimeField(
        label=_("Signed for at (empty: now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )


class EmptyForm(ActionForm):
    pass


class EvidenceForm(ActionForm):
    files = EvidenceFilesField()
    comment = forms.CharField(label=_("Comment (optional)"), required=False, widget=TEXT)


class AppealForm(ActionForm):
    reason = forms.CharField(label=_("Reason for the appeal"), widget=TEXT)
    files = EvidenceFilesField(label=_("Proof files"), required=False)


class AcceptForm(CommentForm):
    """The buyer's acceptance: acts only with `confirm` (the second step asks again)."""

    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def service_kwargs(self) -> dict:
        return {"comment": self.cleaned_data["comment"]}
