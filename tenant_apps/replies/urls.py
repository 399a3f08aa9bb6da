from django.urls import path

from tenant_apps.replies import views

app_name = "replies"
urlpatterns = [
    path("settings/replies/", views.reply_list, name="list"),
    path("settings/replies/<int:reply_id>/", views.reply_detail, name="detail"),
    path("settings/replies/<int:reply_id>/delete/", views.reply_delete, name="delete"),
]
