"""Help centre pages: the collections and articles a person may read (anonymous visitors of
the portal host: the public collections), search, the team's editors, the suggestions shown
while a client writes a request, and "This answered my question".

A page a visitor may not read sends them to sign in when they are not signed in, and is a 404
for a signed-in person who may not read it (as if it did not exist).
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tenant_apps.help_centre import actions
from tenant_apps.help_centre.forms import (
    AnsweredForm,
    ArticleForm,
    CollectionForm,
    SearchForm,
    SuggestForm,
)
from tenant_apps.help_centre.models import Article, Collection
from tenant_apps.help_centre.selectors import (
    article_search,
    clean_ref,
    collection_articles,
    collections_with_articles,
    new_ref,
    readable_articles,
    readable_collections,
    suggestions,
)
from tenant_apps.kit.access import actor_for, can, permission_required
from tenant_apps.kit.htmx import is_htmx
from tenant_apps.people.selectors import visible_companies

SEARCH_RESULTS = 20
WORKSPACE_LAYOUT = "workspace/layout.html"
PUBLIC_LAYOUT = "help_centre/public_layout.html"


def _context(request, **extra) -> dict:
    actor = actor_for(request)
    layout = WORKSPACE_LAYOUT if actor.user is not None else PUBLIC_LAYOUT
    return {
        "actor": actor,
        "layout": layout,
        "may_write": can(actor, "help.write"),
        "may_configure": can(actor, "help.configure"),
    } | extra


def _sign_in_or_404(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise Http404("No such help page.")


# --- reading ------------------------------------------------------------------------------


def help_index(request):
    """Every readable collection with its articles, or search results for ``q``."""
    actor = actor_for(request)
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if query:
        results = list(article_search(readable_articles(actor), query)[:SEARCH_RESULTS])
        collections = []
    else:
        results = None
        collections = collections_with_articles(actor)
        if actor.user is None and not collections:
            return redirect_to_login(request.get_full_path())
    context = _context(request, form=form, query=query, results=results, collections=collections)
    template = "help_centre/index.html"
    if is_htmx(request, target="help-results"):
        template += "#results"
    return render(request, template, context, status=200 if form.is_valid() else 400)


def collection_detail(request, slug):
    actor = actor_for(request)
    collection = readable_collections(actor).filter(slug=slug).first()
    if collection is None:
        return _sign_in_or_404(request)
    articles = collection_articles(actor, collection)
    context = _context(request, collection=collection, articles=articles)
    return render(request, "help_centre/collection.html", context)


def article_detail(request, slug):
    """One article. Opened from a suggestion (``?ref=``), a client's visit is counted and
    they may say it answered their question."""
    actor = actor_for(request)
    article = readable_articles(actor).filter(slug=slug).first()
    if article is None:
        return _sign_in_or_404(request)
    ref = clean_ref(request.GET.get("ref")) if actor.is_client else None
    if ref:
        actions.article_opened(ref=ref, article=article, actor=actor)
    context = _context(
        request,
        article=article,
        ref=ref,
        answered_form=AnsweredForm(initial={"ref": ref}) if ref else None,
        answered=request.GET.get("answered") == "1",
    )
    return render(request, "help_centre/article.html", context)


def article_by_id(request, article_id):
    """An article's address by its id (the activity log links by id): to its page."""
    article = readable_articles(actor_for(request)).filter(pk=article_id).first()
    if article is None:
        return _sign_in_or_404(request)
    return redirect("help_centre:article", slug=article.slug)


@require_POST
@permission_required("workspace.use")
def article_answered(request, slug):
    """A client says the article answered the question they were about to ask."""
    actor = actor_for(request)
    article = get_object_or_404(readable_articles(actor), slug=slug)
    if not actor.is_client:
        raise PermissionDenied("Only clients say an article answered them.")
    form = AnsweredForm(request.POST)
    if not form.is_valid():
        context = _context(request, article=article, ref=None, answered_form=form)
        return render(request, "help_centre/article.html", context, status=400)
    actions.article_answered(
        ref=form.cleaned_data["ref"], article=article, actor=actor, request=request
    )
    if is_htmx(request):
        return render(
            request, "help_centre/article.html#answered", _context(request, answered=True)
        )
    messages.success(request, "Thanks: glad it helped. You don't need to send the request.")
    return redirect("help_centre:article", slug=article.slug)


@permission_required("workspace.use")
def suggest(request):
    """The request form's suggestions (htmx): up to five articles matching what a client has
    written so far. The team gets none."""
    actor = actor_for(request)
    form = SuggestForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    ref = clean_ref(data.get("help_ref")) or new_ref()
    found = suggestions(actor, data.get("title", ""), data.get("details", ""))
    actions.suggestions_record(ref=ref, articles=found, actor=actor)
    return render(request, "help_centre/includes/suggestions.html", {"articles": found, "ref": ref})


# --- the team's editors -------------------------------------------------------------------


def _companies(request):
    return visible_companies(actor_for(request)).order_by("name")


def _save(form, write) -> object | None:
    """Run the action ``write``; its refusals become the form's errors."""
    try:
        return write()
    except ValidationError as error:
        form.add_error(None, error)
        return None


def _editor(request, template: str, form, **extra):
    status = 400 if form.is_bound and form.errors else 200
    return render(request, template, _context(request, form=form, **extra), status=status)


@permission_required("help.write")
def article_create(request):
    form = ArticleForm(request.POST or None, companies=_companies(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        article = _save(
            form,
            lambda: actions.article_create(actor=request.user, request=request, **data),
        )
        if article is not None:
            messages.success(request, f"Saved “{article.title}”.")
            return redirect("help_centre:article", slug=article.slug)
    return _editor(request, "help_centre/article_form.html", form, article=None)


def _team_article(request, slug) -> Article:
    return get_object_or_404(readable_articles(actor_for(request)), slug=slug)


@permission_required("help.write")
def article_edit(request, slug):
    article = _team_article(request, slug)
    initial = {
        "collection": article.collection,
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "body": Article.objects.values_list("body", flat=True).get(pk=article.pk),
        "status": article.status,
        "visibility": article.visibility,
        "companies": list(article.companies.all()),
    }
    form = ArticleForm(request.POST or None, initial=initial, companies=_companies(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        companies = data.pop("companies")
        saved = _save(
            form,
            lambda: actions.article_update(
                article=article, actor=request.user, companies=companies, request=request, **data
            ),
        )
        if saved is not None:
            messages.success(request, f"Saved “{saved.title}”.")
            return redirect("help_centre:article", slug=saved.slug)
    return _editor(request, "help_centre/article_form.html", form, article=article)


@require_POST
@permission_required("help.write")
def article_remove(request, slug):
    article = _team_article(request, slug)
    collection = article.collection
    actions.article_remove(article=article, actor=request.user, request=request)
    messages.success(request, f"Removed “{article.title}”.")
    return redirect("help_centre:collection", slug=collection.slug)


@permission_required("help.configure")
def collection_create(request):
    form = CollectionForm(request.POST or None, companies=_companies(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        collection = _save(
            form, lambda: actions.collection_create(actor=request.user, request=request, **data)
        )
        if collection is not None:
            messages.success(request, f"Created “{collection.title}”.")
            return redirect("help_centre:collection", slug=collection.slug)
    return _editor(request, "help_centre/collection_form.html", form, collection=None)


@permission_required("help.configure")
def collection_edit(request, slug):
    collection = get_object_or_404(Collection, slug=slug)
    initial = {
        "title": collection.title,
        "slug": collection.slug,
        "description": collection.description,
        "position": collection.position,
        "visibility": collection.visibility,
        "is_public": collection.is_public,
        "companies": list(collection.companies.all()),
    }
    form = CollectionForm(request.POST or None, initial=initial, companies=_companies(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        companies = data.pop("companies")
        saved = _save(
            form,
            lambda: actions.collection_update(
                collection=collection,
                actor=request.user,
                companies=companies,
                request=request,
                **data,
            ),
        )
        if saved is not None:
            messages.success(request, f"Saved “{saved.title}”.")
            return redirect("help_centre:collection", slug=saved.slug)
    return _editor(request, "help_centre/collection_form.html", form, collection=collection)


@require_POST
@permission_required("help.configure")
def collection_remove(request, slug):
    collection = get_object_or_404(Collection, slug=slug)
    try:
        actions.collection_remove(collection=collection, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("help_centre:collection", slug=collection.slug)
    messages.success(request, f"Removed “{collection.title}”.")
    return redirect("help_centre:index")
