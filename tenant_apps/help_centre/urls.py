from django.urls import path

from tenant_apps.help_centre import views

app_name = "help_centre"
urlpatterns = [
    path("help/", views.help_index, name="index"),
    path("help/suggest/", views.suggest, name="suggest"),
    path("help/new/", views.article_create, name="article_create"),
    path("help/collections/new/", views.collection_create, name="collection_create"),
    path("help/c/<slug:slug>/", views.collection_detail, name="collection"),
    path("help/c/<slug:slug>/edit/", views.collection_edit, name="collection_edit"),
    path("help/c/<slug:slug>/remove/", views.collection_remove, name="collection_remove"),
    path("help/a/<slug:slug>/", views.article_detail, name="article"),
    path("help/articles/<int:article_id>/", views.article_by_id, name="article_by_id"),
    path("help/a/<slug:slug>/answered/", views.article_answered, name="answered"),
    path("help/a/<slug:slug>/edit/", views.article_edit, name="article_edit"),
    path("help/a/<slug:slug>/remove/", views.article_remove, name="article_remove"),
]
