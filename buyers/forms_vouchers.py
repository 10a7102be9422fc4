"""Forms of the seller's voucher pages (seller center › Sales management › Vouchers)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from buyers.services.vouchers import MAX_VOUCHER_NAME_LENGTH
from marketplace.catalog.models import Product
from marketplace.core import limits


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, widget=DateTimeInput())


def money_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=14, decimal_places=2, min_value=0, **kwargs)


class ProductChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name or str(obj)


class VoucherForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=MAX_VOUCHER_NAME_LENGTH,
        validators=[limits.validate_single_line],
    )
    amount = money_field(_("Amount (¥)"))
    min_order_amount = money_field(
        _("Minimum order amount (¥)"),
        initial=0,
        help_text=_("0: any order."),
    )
    valid_from = datetime_field(_("Valid from"))
    valid_until = datetime_field(_("Valid until"))
    products = ProductChoices(
        label=_("Applicable products"),
        queryset=Product.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"data-user-content": ""}),
        help_text=_("None chosen: all of your listed products."),
    )

    def __init__(self, *args, seller, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"].queryset = Product.objects.filter(
            seller=seller, status=Product.Status.LISTED
        ).order_by("name", "pk")


class VoucherUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Customer file (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class VoucherConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
