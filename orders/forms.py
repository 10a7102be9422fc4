"""Forms of the checkout pages (confirm, pay). They only shape input; every rule is in
`orders.services.checkout`, whose refusals land on the field they name."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.models import AttributeName, BillingMode, Spec
from marketplace.catalog.templatetags.catalog_tags import money
from marketplace.core import limits

USER_CONTENT = {"data-user-content": ""}


def _money(amount) -> str:
    """¥12,800.00: the site's one way of writing an amount (catalog_tags.money)."""
    return money(amount)


class CheckoutForm(forms.Form):
    """Spec choices for the confirm page: quantity, period, attributes, region, vouchers,
    the agreement tick box and a hidden idempotency key made when the page is shown (a
    double-clicked "Place order" places one order)."""

    quantity = forms.IntegerField(
        label=_("Quantity"), initial=1, min_value=1, max_value=limits.MAX_PURCHASE_LIMIT
    )
    period = forms.ChoiceField(label=_("Period"))
    periods = forms.IntegerField(
        label=_("Number of periods"), initial=1, min_value=1, max_value=limits.MAX_PERIODS_PER_ORDER
    )
    region = forms.ChoiceField(label=_("Your region"), required=False)
    vouchers = forms.MultipleChoiceField(
        label=_("Vouchers"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={**USER_CONTENT, "class": "form-check-input"}),
    )
    agreement_accepted = forms.BooleanField(
        label=_("I have read and accept the agreement above."), required=False
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args, spec: Spec, grants=(), regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.spec = spec
        prices = list(spec.prices.all())
        self.fields["period"].choices = [
            (p.period, f"{p.get_period_display()} · {_money(p.amount)}") for p in prices
        ]
        if prices:
            self.fields["period"].initial = prices[0].period
            self.fields["periods"].max_value = max(p.max_periods for p in prices)
            self.fields["periods"].widget.attrs["max"] = self.fields["periods"].max_value
        if spec.billing_mode == BillingMode.TRIAL:
            # A trial is one, once: nothing to choose.
            del self.fields["quantity"]
            del self.fields["periods"]
        elif all(p.max_periods <= 1 for p in prices):
            del self.fields["periods"]
        regions = list(regions)
        if regions:
            self.fields["region"].choices = [("", _("Choose…"))] + [
                (r.code, r.name) for r in regions
            ]
        else:
            del self.fields["region"]
        grants = list(grants)
        if grants:
            self.fields["vouchers"].choices = [
                (
                    str(g.pk),
                    f"{g.voucher.name} · {_money(g.voucher.amount)} · "
                    + str(
                        _("until %(date)s")
                        % {"date": date_format(localtime(g.voucher.valid_until), "Y-m-d")}
                    ),
                )
                for g in grants
            ]
        else:
            del self.fields["vouchers"]
        self.attribute_fields: list[str] = []
        for row in spec.attributes.all():
            name = f"attr_{row.pk}"
            if row.attribute.kind == AttributeName.Kind.ENUM:
                options = [o.strip() for o in row.options.split(",") if o.strip()]
                field = forms.ChoiceField(
                    label=row.attribute.name,
                    choices=[(o, o) for o in options],
                    initial=options[0] if options else None,
                    widget=forms.Select(attrs=USER_CONTENT),
                )
            else:
                low = row.min_value or 0
                field = forms.IntegerField(
                    label=row.attribute.name,
                    initial=low,
                    help_text=row.unit,
                    widget=forms.NumberInput(attrs={"min": low, "step": row.step or 1}),
                )
                if row.max_value is not None:
                    field.widget.attrs["max"] = row.max_value
            field.attribute_name = row.attribute.name
            self.fields[name] = field
            self.attribute_fields.append(name)
        if not self.is_bound:
            self.fields["idempotency_key"].initial = uuid.uuid4().hex

    def attribute_bound_fields(self):
        return [self[name] for name in self.attribute_fields]

    def service_kwargs(self) -> dict:
        """The cleaned choices as `order_quote` / `order_place` keyword arguments."""
        data = self.cleaned_data
        return {
            "quantity": data.get("quantity") or 1,
            "period": data.get("period", ""),
            "periods": data.get("periods") or 1,
            "attributes": {
                self.fields[name].attribute_name: data.get(name) for name in self.attribute_fields
            },
            "region": data.get("region") or None,
            "voucher_grant_ids": [int(pk) for pk in data.get("vouchers") or ()],
        }

    def initial_kwargs(self) -> dict:
        """What the page quotes before the buyer changes anything."""
        return {
            "quantity": 1,
            "period": self.fields["period"].initial or "",
            "periods": 1,
            "attributes": {
                self.fields[name].attribute_name: self.fields[name].initial
                for name in self.attribute_fields
            },
            "region": self.initial.get("region") or None,
            "voucher_grant_ids": [],
        }


class PayForm(forms.Form):
    """How to pay: the balance or the credit line (where the product allows it), and
    cash coupons to spend first (where allowed)."""

    method = forms.ChoiceField(label=_("Pay with"), widget=forms.RadioSelect, initial="balance")
    coupons = forms.MultipleChoiceField(
        label=_("Cash coupons to use first"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, methods, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            ("balance", _("Balance (%(amount)s available)") % {"amount": _money(methods.balance)})
        ]
        if methods.credit_allowed:
            choices.append(
                (
                    "credit",
                    _("Credit line (%(amount)s available)")
                    % {"amount": _money(methods.credit_available)},
                )
            )
        self.fields["method"].choices = choices
        if methods.coupon_allowed and methods.coupons:
            self.fields["coupons"].choices = [
                (
                    str(c.pk),
                    _("%(remaining)s left, valid until %(date)s")
                    % {
                        "remaining": _money(c.remaining),
                        "date": date_format(localtime(c.valid_until), "Y-m-d"),
                    },
                )
                for c in methods.coupons
            ]
        else:
            del self.fields["coupons"]

    def coupon_ids(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data.get("coupons") or ()]
