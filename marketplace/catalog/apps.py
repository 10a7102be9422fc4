from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _is_active_seller(user) -> bool:
    seller = getattr(user, "seller", None) if user.is_authenticated else None
    return seller is not None and seller.status == "active"


class CatalogConfig(AppConfig):
    name = "marketplace.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from marketplace.core.navigation import NavEntry, register
        from sellers import exit_checks

        from .cache import connect_signals
        from .services.exit import EXIT_STEP

        # Listed products don't refuse an exit: the operator delists them, then it completes.
        exit_checks.register_step(EXIT_STEP)
        connect_signals()

        group = _("Product management")
        for order, label, url_name in (
            (20, _("My products"), "seller:product_list"),
            (21, _("Publish a product"), "seller:product_new"),
            (22, _("Attribute names"), "seller:attribute_names"),
            (23, _("Agreement templates"), "seller:product_templates"),
        ):
            register(
                NavEntry(
                    "seller", label, url_name, order=order, visible=_is_active_seller, group=group
                )
            )
