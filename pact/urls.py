app_name = "pact"
urlpatterns = []
