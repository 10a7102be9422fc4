"""The open API for sellers' servers, mounted by marketplace/urls.py at
/api/mkp-openapi-public/global/v1/ — the reference's paths (isv-api-reference §4), without
trailing slashes. Every route needs an AK/SK SDK-HMAC-SHA256 signature."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("order/query", views.OrderQueryView.as_view(), name="open_api_order_query"),
    re_path(
        r"^market-event/(?P<event_id>[A-Za-z0-9_.\-]{1,64})/file$",
        views.UploadView.as_view(),
        name="open_api_upload",
    ),
    path("isv/usage-data", views.UsageDataView.as_view(), name="open_api_usage_data"),
    path("license/activate", views.LicenseActivateView.as_view(), name="open_api_license_activate"),
    path(
        "license/heartbeat", views.LicenseHeartbeatView.as_view(), name="open_api_license_heartbeat"
    ),
]
