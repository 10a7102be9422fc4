from django.urls import path

from . import views

app_name = "buyer"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("credentials/", views.credentials, name="credentials"),
    path("verification/", views.verification, name="verification"),
    path("verification/enterprise/", views.verify_enterprise, name="verify_enterprise"),
    path("verification/individual/", views.verify_individual, name="verify_individual"),
]
