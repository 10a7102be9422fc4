"""Form of the interface debugging console (orders/seller_views/console.py)."""

from __future__ import annotations

import json

from django import forms
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.models import Product, ProductVersion
from marketplace.core.exceptions import DomainError

from .isv.console import ACTIVITIES, console_parse_body


def console_products(*, seller):
    """The seller's products that have a production interface, named after their latest
    version (one query)."""
    latest = ProductVersion.objects.filter(product=OuterRef("pk")).order_by("-number")
    return (
        Product.objects.filter(seller=seller, interface__isnull=False)
        .annotate(latest_version_name=Subquery(latest.values("name")[:1]))
        .order_by("-pk")
    )


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Product) -> str:
        return obj.name


class ConsoleForm(forms.Form):
    product = ProductChoiceField(
        label=_("Product"),
        queryset=Product.objects.none(),
        widget=forms.Select(attrs={"data-user-content": ""}),
    )
    activity = forms.ChoiceField(
        label=_("Activity"), choices=[(str(a), str(a)) for a in ACTIVITIES]
    )
    body = forms.CharField(
        label=_("Request body (JSON)"),
        widget=forms.Textarea(
            attrs={
                "rows": 12,
                "class": "font-monospace",
                "spellcheck": "false",
                "data-user-content": "",
            }
        ),
        help_text=_('testFlag is always sent as "1": the seller\'s server must not do real work.'),
    )
    name = forms.CharField(
        label=_("Test case name"),
        max_length=100,
        required=False,
        help_text=_("Needed to save the request as a test case."),
    )

    def __init__(self, *args, seller, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = console_products(seller=seller)

    def clean_body(self) -> dict:
        try:
            return console_parse_body(self.cleaned_data["body"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None


def pretty(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False, indent=2)
