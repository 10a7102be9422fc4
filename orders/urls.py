# The orders URL namespace; pages arrive with the capability that needs them.
app_name = "orders"

urlpatterns: list = []
