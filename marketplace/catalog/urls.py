"""Public catalog pages (namespace "catalog"). The home page is `home` in the root URLconf."""

from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("category/<slug:slug>/", views.category, name="category"),
    path("products/<int:pk>/", views.product_detail, name="product"),
    path("store/<int:seller_id>/", views.store, name="store"),
]
