app_name = "agency_archive"
urlpatterns = []
