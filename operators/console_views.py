"""(placeholder: filled by its area)"""

urlpatterns = []
