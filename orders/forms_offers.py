"""Forms of the seller's private-offer pages (seller center › Sales management)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from buyers.forms_vouchers import datetime_field
from marketplace.catalog.models import Product
from orders.models import PrivateOffer


class ProductChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name or str(obj)


class PrivateOfferForm(forms.Form):
    account_name = forms.CharField(label=_("Account name"), max_length=150)
    account_id = forms.CharField(label=_("Account ID"), max_length=32)
    product = ProductChoice(
        label=_("Product"),
        queryset=Product.objects.none(),
        widget=forms.Select(attrs={"data-user-content": ""}),
    )
    kind = forms.ChoiceField(label=_("Discount"), choices=PrivateOffer.Kind.choices)
    value = forms.DecimalField(
        label=_("Value"),
        max_digits=14,
        decimal_places=2,
        help_text=_("Percentage off: a whole number from 1 to 99. Amount off: yuan."),
    )
    valid_from = datetime_field(_("Valid from"))
    valid_until = datetime_field(_("Valid until"))

    def __init__(self, *args, seller, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(
            seller=seller, status=Product.Status.LISTED
        ).order_by("name", "pk")
