app_name = "activity"
urlpatterns = []
