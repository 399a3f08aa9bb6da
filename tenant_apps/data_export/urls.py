app_name = "data_export"
urlpatterns = []
