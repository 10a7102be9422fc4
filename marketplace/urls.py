from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from marketplace.accounts import views as accounts_views
from marketplace.catalog import views as catalog_views
from marketplace.core import views as core_views

urlpatterns = [
    path("", catalog_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("help/", core_views.help_page, name="help"),
    path("terms/", core_views.terms_page, name="terms"),
    path("privacy/", core_views.privacy_page, name="privacy"),
    path("contact/", core_views.contact_page, name="contact"),
    path("files/<str:token>/", core_views.private_file, name="private_file"),
    # Django's language switch, wrapped to remember the choice on the account.
    path("i18n/setlang/", accounts_views.set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("marketplace.accounts.urls")),
    path("", include("marketplace.catalog.urls")),
    path("seller/", include("sellers.urls")),
    path("buyer/", include("buyers.urls")),
    # Payment providers: their notifications, and the sandbox provider's page.
    path("payments/", include("buyers.payments.urls")),
    path("orders/", include("orders.urls")),
    path("supervision/", include("supervision.urls")),
    path("settlement/", include("settlement.urls")),
    # The customer service partners' small center (settlement.partner_views).
    path("partner/", include("settlement.partner_urls")),
    path("invoices/", include("invoices.urls")),
    path("api/catalog/", include("marketplace.catalog.api_public_urls")),
    path("api/seller/", include("marketplace.catalog.api_urls")),
    path("api/buyer/", include("orders.api_urls")),
    # The open API for sellers' servers (AK/SK signed), at the reference's paths.
    path("api/mkp-openapi-public/global/v1/", include("orders.openapi.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
