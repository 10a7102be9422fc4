"""Forms of the seller center's and the partner center's settlement pages: the list
filters (invalid values are dropped: a hand-edited URL gives the wider list, never an
error, as the other lists do) and the inputs of the transition services."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.models import DeliveryType

from .models import Bill, BillLine
from .selectors import LineFilters

ANY = _("Any")
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
YES_NO = [("", ANY), ("yes", _("Yes")), ("no", _("No"))]
DATE_WIDGET = forms.DateInput(attrs={"type": "date"})
INVOICE_FILE_WIDGET = forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"})


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class BillFilterForm(forms.Form):
    period = forms.CharField(
        label=_("Period"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"placeholder": _("YYYY-MM")}),
    )
    product_type = forms.ChoiceField(label=_("Product type"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, data=None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.fields["product_type"].choices = [("", ANY), *DeliveryType.choices]
        self.fields["status"].choices = [("", ANY), *Bill.Status.choices]

    def filters(self) -> dict:
        """The valid values, as `selectors.bill_list` takes them."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = self.cleaned_data
        period = (data.get("period") or "").strip()
        return {
            "period": period if PERIOD.match(period) else "",
            "product_type": data.get("product_type") or "",
            "status": data.get("status") or "",
        }


class LineFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    carried = forms.ChoiceField(label=_("Carried over"), required=False, choices=YES_NO)
    partner = forms.ChoiceField(label=_("With a partner"), required=False, choices=YES_NO)
    order = forms.CharField(label=_("Order number"), required=False, max_length=40)

    def __init__(self, data=None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.fields["kind"].choices = [("", ANY), *BillLine.Kind.choices]

    def filters(self) -> LineFilters:
        if not self.is_bound:
            return LineFilters()
        self.is_valid()
        data = self.cleaned_data
        return LineFilters(
            kind=data.get("kind") or "",
            carried=_yes_no(data.get("carried") or ""),
            with_partner=_yes_no(data.get("partner") or ""),
            order_number=(data.get("order") or "").strip(),
        )

    @property
    def is_filtered(self) -> bool:
        return self.filters() != LineFilters()


class SellerInvoiceForm(forms.Form):
    """The seller's VAT special invoice 增值税专用发票 to the marketplace for a bill."""

    number = forms.CharField(label=_("Invoice number"), max_length=50)
    issued_on = forms.DateField(label=_("Invoice date"), widget=DATE_WIDGET)
    amount = forms.DecimalField(
        label=_("Amount (tax incl.)"),
        max_digits=14,
        decimal_places=2,
        help_text=_("The bill's seller net."),
    )
    file = forms.FileField(
        label=_("Invoice file"),
        help_text=_("The PDF of the VAT special invoice."),
        widget=INVOICE_FILE_WIDGET,
    )


class PaymentRequestForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the marketplace"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MailForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=50)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=50)


class PartnerInvoiceForm(MailForm):
    """The partner's VAT special invoice to the marketplace for a share bill: the file and
    how it was mailed."""

    file = forms.FileField(
        label=_("Invoice file"),
        help_text=_("The PDF of the VAT special invoice."),
        widget=INVOICE_FILE_WIDGET,
    )
    number = forms.CharField(label=_("Invoice number"), max_length=50, required=False)
    field_order = ["file", "number", "carrier", "tracking_number"]
