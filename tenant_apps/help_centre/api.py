"""The help centre over /api/v1/: collections and articles. The team reads everything and
writes (articles: the whole team; collections: owners and admins); client people read what
their company may see, and search it. Refusals are 400s naming the field; an item the caller
may not read is a 404, as if it did not exist."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.core.text import JSONParser
from tenant_apps.help_centre import actions
from tenant_apps.help_centre.models import (
    Article,
    ArticleStatus,
    ArticleVisibility,
    Collection,
    Visibility,
)
from tenant_apps.help_centre.selectors import (
    article_search,
    visible_articles,
    visible_collections,
)
from tenant_apps.kit.access import Allowed, actor_for, require
from tenant_apps.kit.api import cursor_pager
from tenant_apps.people.api import VisibleCompanyField
from tenant_apps.people.models import ClientCompany

ByPlace = cursor_pager("position", "id")
ById = cursor_pager("id")
SEARCH_RESULTS = 20


def _field_errors(error: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(
            {
                field: [m for e in errors for m in e.messages]
                for field, errors in error.error_dict.items()
            }
        )
    return serializers.ValidationError({"non_field_errors": error.messages})


class CollectionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField()
    position = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    visibility = serializers.ChoiceField(
        Visibility.choices, allow_null=True, help_text="The team's; null for client people."
    )
    companies = serializers.PrimaryKeyRelatedField(
        many=True,
        read_only=True,
        pk_field=serializers.IntegerField(),
        allow_null=True,
        help_text="The chosen client companies' ids (the team's; null for client people).",
    )
    is_public = serializers.BooleanField(allow_null=True, help_text="Null for client people.")

    def get_url(self, collection) -> str:
        return reverse("help_centre:collection", args=[collection.slug])

    def to_representation(self, collection):
        data = super().to_representation(collection)
        if not self.context["actor"].is_team:
            data.update(visibility=None, companies=None, is_public=None)
        return data


class ArticleOutput(serializers.Serializer):
    class Collection(serializers.Serializer):
        id = serializers.IntegerField()
        title = serializers.CharField()
        slug = serializers.CharField()

    id = serializers.IntegerField()
    collection = Collection()
    title = serializers.CharField()
    slug = serializers.CharField()
    summary = serializers.CharField()
    body_html = serializers.CharField(help_text="The body rendered from Markdown and sanitised.")
    url = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)
    status = serializers.ChoiceField(
        ArticleStatus.choices, allow_null=True, help_text="The team's; null for client people."
    )
    visibility = serializers.ChoiceField(
        ArticleVisibility.choices, allow_null=True, help_text="The team's; null for client people."
    )
    companies = serializers.PrimaryKeyRelatedField(
        many=True,
        read_only=True,
        pk_field=serializers.IntegerField(),
        allow_null=True,
        help_text="The chosen client companies' ids (the team's; null for client people).",
    )

    def get_url(self, article) -> str:
        return reverse("help_centre:article", args=[article.slug])

    def to_representation(self, article):
        data = super().to_representation(article)
        if not self.context["actor"].is_team:
            data.update(status=None, visibility=None, companies=None)
        return data


class ArticleWithBody(ArticleOutput):
    body = serializers.CharField(
        allow_null=True, help_text="The Markdown source (the team's; null for client people)."
    )

    def to_representation(self, article):
        data = super().to_representation(article)
        if not self.context["actor"].is_team:
            data["body"] = None
        return data


# --- collections ---------------------------------------------------------------------------


class CollectionInput(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=80, required=False, default="")
    description = serializers.CharField(
        max_length=300, required=False, default="", allow_blank=True
    )
    position = serializers.IntegerField(min_value=0, max_value=10_000, required=False, default=0)
    visibility = serializers.ChoiceField(Visibility.choices, default=Visibility.ALL_CLIENTS)
    companies = serializers.ListField(
        child=VisibleCompanyField(queryset=ClientCompany.objects.all()),
        required=False,
        default=list,
        max_length=500,
    )
    is_public = serializers.BooleanField(required=False, default=False)


class CollectionPatch(CollectionInput):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.default = serializers.empty


def _collection_data(collection, actor) -> dict:
    return CollectionOutput(collection, context={"actor": actor}).data


class CollectionsApi(ListAPIView):
    permission_classes = [Allowed.to("workspace.use")]
    pagination_class = ByPlace
    parser_classes = [JSONParser]
    serializer_class = CollectionOutput

    def get_queryset(self):
        return visible_collections(actor_for(self.request)).prefetch_related("companies")

    def get_serializer_context(self):
        return super().get_serializer_context() | {"actor": actor_for(self.request)}

    @extend_schema(
        summary="Help collections the caller may read",
        description="The team: every collection. Client people: those open to their company.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=CollectionInput,
        responses={201: CollectionOutput},
        summary="Create a help collection",
        description="Owners and admins. A public collection must be open to all clients.",
    )
    def post(self, request):
        actor = actor_for(request)
        require(actor, "help.configure", request=request)
        form = CollectionInput(data=request.data, context={"actor": actor})
        form.is_valid(raise_exception=True)
        try:
            created = actions.collection_create(
                actor=actor.user, request=request, **form.validated_data
            )
        except DjangoValidationError as error:
            raise _field_errors(error) from None
        return Response(
            _collection_data(created, actor),
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-help-collection", args=(created.pk,))},
        )


class CollectionApi(APIView):
    permission_classes = [Allowed.to("workspace.use")]
    parser_classes = [JSONParser]

    def collection(self) -> Collection:
        actor = actor_for(self.request)
        return get_object_or_404(
            visible_collections(actor).prefetch_related("companies"),
            pk=self.kwargs["collection_id"],
        )

    @extend_schema(responses=CollectionOutput, summary="One help collection")
    def get(self, request, collection_id):
        return Response(_collection_data(self.collection(), actor_for(request)))

    @extend_schema(
        request=CollectionPatch,
        responses=CollectionOutput,
        summary="Change a help collection",
        description="Owners and admins. Fields left out stay as they are.",
    )
    def patch(self, request, collection_id):
        actor = actor_for(request)
        collection = self.collection()
        require(actor, "help.configure", collection, request=request)
        form = CollectionPatch(data=request.data, context={"actor": actor})
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        companies = changes.pop("companies", None)
        try:
            actions.collection_update(
                collection=collection,
                actor=actor.user,
                companies=companies,
                request=request,
                **changes,
            )
        except DjangoValidationError as error:
            raise _field_errors(error) from None
        return Response(_collection_data(self.collection(), actor))

    @extend_schema(
        responses={204: None},
        summary="Remove a help collection",
        description="Owners and admins; only once it holds no articles (else a 400).",
    )
    def delete(self, request, collection_id):
        actor = actor_for(request)
        collection = self.collection()
        require(actor, "help.configure", collection, request=request)
        try:
            actions.collection_remove(collection=collection, actor=actor.user, request=request)
        except DjangoValidationError as error:
            raise _field_errors(error) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- articles ------------------------------------------------------------------------------


class VisibleCollectionField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return visible_collections(self.context["actor"])


class ArticleInput(serializers.Serializer):
    collection = VisibleCollectionField(queryset=Collection.objects.all())
    title = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=120, required=False, default="")
    summary = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    body = serializers.CharField(max_length=100_000, help_text="Markdown.")
    status = serializers.ChoiceField(ArticleStatus.choices, default=ArticleStatus.DRAFT)
    visibility = serializers.ChoiceField(
        ArticleVisibility.choices, default=ArticleVisibility.COLLECTION
    )
    companies = serializers.ListField(
        child=VisibleCompanyField(queryset=ClientCompany.objects.all()),
        required=False,
        default=list,
        max_length=500,
    )


class ArticlePatch(ArticleInput):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.default = serializers.empty


class ArticleFilter(serializers.Serializer):
    collection = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)


class SearchInput(serializers.Serializer):
    q = serializers.CharField(max_length=200)
    collection = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)


def _article_data(article, actor) -> dict:
    return ArticleWithBody(article, context={"actor": actor}).data


class ArticlesApi(ListAPIView):
    permission_classes = [Allowed.to("workspace.use")]
    parser_classes = [JSONParser]
    serializer_class = ArticleOutput

    pagination_class = ById

    def get_queryset(self):
        form = ArticleFilter(data=self.request.query_params)
        form.is_valid(raise_exception=True)
        articles = visible_articles(actor_for(self.request)).prefetch_related("companies")
        if form.validated_data.get("collection"):
            articles = articles.filter(collection_id=form.validated_data["collection"])
        return articles

    def get_serializer_context(self):
        return super().get_serializer_context() | {"actor": actor_for(self.request)}

    @extend_schema(
        summary="Help articles the caller may read, or search them",
        description="The team: every article, drafts too. Client people: the published ones "
        "open to their company. By id, in pages.",
        parameters=[
            OpenApiParameter("collection", OpenApiTypes.INT, description="A collection id."),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ArticleInput,
        responses={201: ArticleWithBody},
        summary="Write a help article",
        description="The team. Drafts are the team's until published.",
    )
    def post(self, request):
        actor = actor_for(request)
        require(actor, "help.write", request=request)
        form = ArticleInput(data=request.data, context={"actor": actor})
        form.is_valid(raise_exception=True)
        try:
            created = actions.article_create(
                actor=actor.user, request=request, **form.validated_data
            )
        except DjangoValidationError as error:
            raise _field_errors(error) from None
        article = Article.objects.select_related("collection").get(pk=created.pk)
        return Response(
            _article_data(article, actor),
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-help-article", args=(created.pk,))},
        )


class ArticleSearchApi(APIView):
    permission_classes = [Allowed.to("workspace.use")]

    class Output(serializers.Serializer):
        results = ArticleOutput(many=True)

    @extend_schema(
        parameters=[SearchInput],
        responses=Output,
        summary="Search the help articles the caller may read",
        description="Full-text search (PostgreSQL): every word is required, as a prefix; the "
        f"best {SEARCH_RESULTS} first (a word in the title counts most, then the summary, then "
        "the body).",
    )
    def get(self, request):
        actor = actor_for(request)
        form = SearchInput(data=request.query_params)
        form.is_valid(raise_exception=True)
        articles = visible_articles(actor).prefetch_related("companies")
        if form.validated_data.get("collection"):
            articles = articles.filter(collection_id=form.validated_data["collection"])
        found = article_search(articles, form.validated_data["q"])[:SEARCH_RESULTS]
        return Response(self.Output({"results": found}, context={"actor": actor}).data)


class ArticleApi(APIView):
    permission_classes = [Allowed.to("workspace.use")]
    parser_classes = [JSONParser]

    def article(self) -> Article:
        actor = actor_for(self.request)
        articles = visible_articles(actor).defer(None).defer("search")
        return get_object_or_404(articles, pk=self.kwargs["article_id"])

    @extend_schema(responses=ArticleWithBody, summary="One help article")
    def get(self, request, article_id):
        return Response(_article_data(self.article(), actor_for(request)))

    @extend_schema(
        request=ArticlePatch,
        responses=ArticleWithBody,
        summary="Change a help article",
        description="The team. Fields left out stay as they are.",
    )
    def patch(self, request, article_id):
        actor = actor_for(request)
        article = self.article()
        require(actor, "help.write", request=request)
        form = ArticlePatch(data=request.data, context={"actor": actor})
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        companies = changes.pop("companies", None)
        try:
            actions.article_update(
                article=article, actor=actor.user, companies=companies, request=request, **changes
            )
        except DjangoValidationError as error:
            raise _field_errors(error) from None
        return Response(_article_data(self.article(), actor))

    @extend_schema(responses={204: None}, summary="Remove a help article", description="The team.")
    def delete(self, request, article_id):
        actor = actor_for(request)
        article = self.article()
        require(actor, "help.write", request=request)
        actions.article_remove(article=article, actor=actor.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
