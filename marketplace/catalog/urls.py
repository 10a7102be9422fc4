"""Public catalog pages (namespace "catalog")."""

app_name = "catalog"

urlpatterns: list = []
