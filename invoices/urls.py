# The invoices URL namespace; pages arrive with the capability that needs them.
app_name = "invoices"

urlpatterns: list = []
