"""Forms of the invoicing pages. They only shape the input; the services decide and
refuse with a translated message."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.accounts.forms import CreditCodeField

from .models import InvoiceRequest, InvoiceTitle

TEXT = forms.Textarea(attrs={"rows": 3})


class TitleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Title type"), choices=InvoiceTitle.Kind.choices)
    name = forms.CharField(label=_("Company or person's name"), max_length=200)
    tax_number = CreditCodeField(
        label=_("Tax number"),
        required=False,
        help_text=_("A company's unified social credit code, 18 characters."),
    )
    bank_name = forms.CharField(label=_("Bank"), max_length=100, required=False)
    bank_account = forms.CharField(label=_("Bank account"), max_length=40, required=False)
    registered_address = forms.CharField(
        label=_("Registered address"), max_length=200, required=False
    )
    registered_phone = forms.CharField(label=_("Registered phone"), max_length=30, required=False)


class AddressForm(forms.Form):
    recipient = forms.CharField(label=_("Recipient"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=30)
    address = forms.CharField(label=_("Address"), max_length=300)


class RequestForm(forms.Form):
    orders = forms.TypedMultipleChoiceField(
        label=_("Orders"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    title = forms.TypedChoiceField(label=_("Invoice title"), coerce=int)
    kind = forms.ChoiceField(
        label=_("Invoice type"), choices=InvoiceRequest.Kind.choices, widget=forms.RadioSelect
    )
    address = forms.TypedChoiceField(
        label=_("Mailing address (paper invoices)"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, orders=(), titles=(), addresses=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["orders"].choices = [(o.pk, o.number) for o in orders]
        self.fields["title"].choices = [(t.pk, f"{t.name} {t.tax_number}".strip()) for t in titles]
        self.fields["address"].choices = [("", "—")] + [(a.pk, str(a)) for a in addresses]


class IssueForm(forms.Form):
    file = forms.FileField(
        label=_("Invoice PDF"), widget=forms.ClearableFileInput(attrs={"accept": ".pdf"})
    )


class MailForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=50)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=50)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=TEXT, max_length=1000)


class SettingsForm(forms.Form):
    issues_e_invoices = forms.BooleanField(label=_("We issue e-invoices"), required=False)


class SellerFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), *InvoiceRequest.Status.choices],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
