"""Seller-center pages of the catalog (product management). Included by sellers/urls.py
inside the "seller" namespace, as a string so that sellers does not import the catalog."""

urlpatterns: list = []
