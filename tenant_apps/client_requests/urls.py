app_name = "client_requests"
urlpatterns = []
