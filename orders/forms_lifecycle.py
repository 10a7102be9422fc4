"""Forms of the purchased-services and unsubscription pages (buyer and seller centers).
They only shape input; the rules are in the services they are passed to."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.templatetags.catalog_tags import money
from marketplace.core import limits


class RenewForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"))
    periods = forms.IntegerField(
        label=_("Number of periods"), min_value=1, max_value=limits.MAX_PERIODS_PER_ORDER
    )

    def __init__(self, *args, prices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [
            (p.period, f"{p.get_period_display()} · {money(p.amount)}") for p in prices
        ]
        self.fields["periods"].initial = 1


class UpgradeForm(forms.Form):
    # The choices are the seller's spec names: people's words (see templatetags/user_content).
    spec_code = forms.ChoiceField(
        label=_("New spec"), widget=forms.Select(attrs={"data-user-content": ""})
    )
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=limits.MAX_PURCHASE_LIMIT
    )

    def __init__(self, *args, specs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spec_code"].choices = [(s.code, s.name) for s in specs]


class UnsubscribeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you unsubscribe?"),
        required=False,
        max_length=limits.MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    proposed_amount = forms.DecimalField(
        label=_("Refund you ask for (CNY)"),
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
    )
    goods_received = forms.BooleanField(label=_("I have received the goods"), required=False)

    def __init__(self, *args, negotiated: bool = False, hardware: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if negotiated:
            self.fields["proposed_amount"].required = True
        else:
            del self.fields["proposed_amount"]
        if not hardware:
            del self.fields["goods_received"]


class ShipBackForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=50)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=50)


class AutoRepurchaseForm(forms.Form):
    enabled = forms.BooleanField(label=_("Repurchase automatically"), required=False)
    mode = forms.ChoiceField(
        label=_("When the quota left falls to"),
        choices=[("percent", _("a percentage of the quota")), ("amount", _("an amount"))],
        initial="percent",
    )
    threshold = forms.IntegerField(label=_("Threshold"), min_value=1, required=False)
    spec_code = forms.ChoiceField(
        label=_("Package to buy"),
        required=False,
        widget=forms.Select(attrs={"data-user-content": ""}),
    )

    def __init__(self, *args, specs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spec_code"].choices = [(s.code, s.name) for s in specs]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        enabled = bool(data.get("enabled"))
        threshold = data.get("threshold")
        return {
            "enabled": enabled,
            "threshold_percent": threshold if enabled and data["mode"] == "percent" else None,
            "threshold_amount": threshold if enabled and data["mode"] == "amount" else None,
            "spec_code": data.get("spec_code") or "",
        }


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for refusing"),
        max_length=limits.MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
