"""Fee policy versions and the acceleration plan's tiers (06 › Policy versions; issue 12
§1 and §8). Both are tables the operators maintain."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.models import DeliveryType

from ..exceptions import VersionInForce
from .common import MONEY, RATIO, ratio_between_0_and_1


class VersionedQuerySet(models.QuerySet):
    def in_force_at(self, at) -> models.QuerySet:
        return self.filter(effective_from__lte=at)


class ImmutableOnceInForce(models.Model):
    """A version row (`effective_from`) that may be changed only while it is not yet in
    force. `save()` checks the stored row on every update; on PostgreSQL a trigger
    (migration 0002) refuses the same UPDATE from anywhere (admin, shell, raw SQL)."""

    effective_from = models.DateTimeField(_("effective from"))

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding and self.pk is not None:
            stored = (
                type(self)
                .objects.filter(pk=self.pk)
                .values_list("effective_from", flat=True)
                .first()
            )
            if stored is not None and stored <= timezone.now():
                raise VersionInForce()
        super().save(*args, **kwargs)

    @property
    def in_force(self) -> bool:
        return self.effective_from <= timezone.now()


class FeePolicy(ImmutableOnceInForce):
    """One version of the operations-management fee ratio 运营管理费比例 of a product type.

    A version is in force from `effective_from` until the next version of the same type
    (so versions never overlap; one per type and instant). A bill line takes the version
    in force at the order's policy time (`settlement.services.run`, 06 › Policy
    versions) and copies its ratio."""

    product_type = models.CharField(_("product type"), max_length=20, choices=DeliveryType.choices)
    ratio = models.DecimalField(_("fee ratio"), **RATIO)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = VersionedQuerySet.as_manager()

    class Meta:
        verbose_name = _("fee policy version")
        verbose_name_plural = _("fee policy versions")
        ordering = ["product_type", "-effective_from"]
        constraints = [
            # No two versions of a type from the same instant: "the version in force"
            # is always one row.
            models.UniqueConstraint(
                fields=["product_type", "effective_from"],
                name="settlement_one_fee_policy_per_instant",
            ),
            ratio_between_0_and_1("ratio", "settlement_fee_ratio_0_1"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_product_type_display()} {self.ratio} @ {self.effective_from:%Y-%m-%d %H:%M}"
        )


class AccelerationTier(models.Model):
    """A tier of the seller acceleration plan (seed: silver 100,000 / gold 2,000,000 /
    diamond 5,000,000 yuan of private-offer GMV); a seller holds the highest tier whose
    threshold its GMV reaches (`selectors.seller_acceleration`)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)  # silver, gold, diamond
    name = models.CharField(_("name"), max_length=50)
    gmv_threshold = models.DecimalField(_("GMV threshold"), unique=True, **MONEY)
    benefits = models.TextField(_("benefits"), blank=True)

    class Meta:
        verbose_name = _("acceleration tier")
        verbose_name_plural = _("acceleration tiers")
        ordering = ["gmv_threshold"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(gmv_threshold__gt=0), name="settlement_tier_threshold_gt_0"
            )
        ]

    def __str__(self) -> str:
        return self.name
