from django.urls import path

from tenant_apps.replies import api

urlpatterns = [
    path("saved-replies", api.RepliesApi.as_view(), name="api-replies"),
    path("saved-replies/<int:reply_id>", api.ReplyApi.as_view(), name="api-reply"),
]
