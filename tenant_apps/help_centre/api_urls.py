from django.urls import path

from tenant_apps.help_centre import api

urlpatterns = [
    path("help/collections", api.CollectionsApi.as_view(), name="api-help-collections"),
    path(
        "help/collections/<int:collection_id>",
        api.CollectionApi.as_view(),
        name="api-help-collection",
    ),
    path("help/articles", api.ArticlesApi.as_view(), name="api-help-articles"),
    path("help/search", api.ArticleSearchApi.as_view(), name="api-help-search"),
    path("help/articles/<int:article_id>", api.ArticleApi.as_view(), name="api-help-article"),
]
