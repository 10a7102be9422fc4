from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("notify/<slug:provider>/", views.notify, name="notify"),
    path("sandbox/pay/<slug:reference>/", views.sandbox_pay, name="sandbox_pay"),
]
