app_name = "erasure"
urlpatterns = []
