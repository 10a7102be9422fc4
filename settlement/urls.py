# The settlement URL namespace; pages arrive with the capability that needs them.
app_name = "settlement"

urlpatterns: list = []
