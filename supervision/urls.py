# The supervision URL namespace; pages arrive with the capability that needs them.
app_name = "supervision"

urlpatterns: list = []
