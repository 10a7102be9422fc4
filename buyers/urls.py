from django.urls import include, path

from . import views

app_name = "buyer"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("credentials/", views.credentials, name="credentials"),
    path("verification/", views.verification, name="verification"),
    path("verification/enterprise/", views.verify_enterprise, name="verify_enterprise"),
    path("verification/individual/", views.verify_individual, name="verify_individual"),
    # The buyer's money (费用中心).
    path("wallet/", views.wallet, name="wallet"),
    path("wallet/top-up/", views.wallet_top_up, name="wallet_top_up"),
    path("wallet/top-up/<slug:reference>/", views.top_up_detail, name="top_up_detail"),
    path("credit/", views.credit, name="credit"),
    path("credit/bills/<int:pk>/repay/", views.credit_bill_repay_view, name="credit_bill_repay"),
    path("coupons/", views.coupons, name="coupons"),
    # Seller vouchers received (buyers.voucher_urls).
    path("vouchers/", include("buyers.voucher_urls")),
]
