app_name = "retention"
urlpatterns = []
