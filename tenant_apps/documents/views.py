"""Document hub pages: the spaces, a space or folder with its folders and documents, a
document with its versions, search, and the posts that upload, add versions and folders.

Uploads are sent by static/documents/upload.js one file per request (asking for JSON, so each
file gets its own progress bar and its own answer); without script the same routes take the
whole form and answer with a page. Request bodies stream to temporary files, capped at the
agency's limit as they arrive.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models.functions import Lower
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from tenant_apps.documents import actions
from tenant_apps.documents.forms import (
    DocumentForm,
    FolderForm,
    SearchForm,
    UploadForm,
    VersionForm,
)
from tenant_apps.documents.selectors import (
    document_search,
    document_spaces,
    folder_path,
    space_documents,
    space_folders,
    version_preview,
    versions_with_approvals,
    visible_documents,
    visible_folders,
)
from tenant_apps.files.responses import file_download_response, file_preview_page_response
from tenant_apps.files.uploads import upload_cap
from tenant_apps.files.validation import safe_file_name
from tenant_apps.kit.access import actor_for, can, permission_required, require
from tenant_apps.kit.htmx import is_htmx
from tenant_apps.people.selectors import visible_companies

PAGE_SIZE = 50
SEARCH_PAGE_SIZE = 25
SORTS = {"name": [Lower("name"), "id"], "updated": ["-updated_at", "-id"]}


def _wants_json(request) -> bool:
    # upload.js asks for JSON; a plain form post asks for a page.
    return request.headers.get("Accept", "").startswith("application/json")


def _form_errors(form) -> dict:
    errors = form.errors.get_json_data()
    return {field: [error["message"] for error in each] for field, each in errors.items()}


def _visible_company(request, company_id):
    actor = actor_for(request)
    company = get_object_or_404(visible_companies(actor), pk=company_id)
    require(actor, "documents.view", company, request=request)
    return company


def _visible_document(request, document_id):
    """The document if this person may see it at all; otherwise it does not exist (404)."""
    actor = actor_for(request)
    document = get_object_or_404(visible_documents(actor), pk=document_id)
    require(actor, "document.view", document, request=request)
    return document


# The spaces


@permission_required("workspace.use")
def hub(request):
    """The team's list of client spaces; a client's people go straight to their own."""
    actor = actor_for(request)
    if actor.is_client:
        return redirect("documents:space", actor.client.company_id)
    spaces = Paginator(document_spaces(actor).order_by(Lower("name"), "id"), PAGE_SIZE)
    context = {"page": spaces.get_page(request.GET.get("page"))}
    return render(request, "documents/hub.html", context)


def _space_page(request, company, folder=None, *, upload_form=None, folder_form=None, status=200):
    """A company's space (``folder`` None) or one of its folders, with the forms to add to it.
    htmx asking for the listing (after uploads) gets that part alone."""
    actor = actor_for(request)
    place = folder or company
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "name"
    documents = space_documents(actor, company, folder).order_by(*SORTS[sort])
    context = {
        "actor": actor,
        "company": company,
        "folder": folder,
        "path": folder_path(folder) if folder else [],
        "folders": space_folders(actor, company, folder),
        "page": Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page")),
        "sort": sort,
        "may_upload": can(actor, "documents.upload", place),
        "may_manage": can(actor, "documents.manage", company),
        "max_bytes": actions.upload_limit(),
    }
    if context["may_upload"]:
        context["upload_form"] = upload_form or UploadForm(
            initial={"folder": folder}, folders=visible_folders(actor), team=actor.is_team
        )
    if context["may_manage"]:
        context["folder_form"] = folder_form or FolderForm(
            initial={"parent": folder, "is_internal": folder is not None and folder.is_internal},
            folders=visible_folders(actor),
        )
    template = "documents/space.html"
    if is_htmx(request, target="document-listing"):
        template += "#listing"
    return render(request, template, context, status=status)


@permission_required("workspace.use")
def space(request, company_id):
    return _space_page(request, _visible_company(request, company_id))


@permission_required("workspace.use")
def folder(request, folder_id):
    actor = actor_for(request)
    shown = get_object_or_404(visible_folders(actor).select_related("company"), pk=folder_id)
    return _space_page(request, shown.company, shown)


def _back_to(folder, company) -> str:
    if folder is not None:
        return reverse("documents:folder", args=(folder.pk,))
    return reverse("documents:space", args=(company.pk,))


@require_POST
@permission_required("workspace.use")
def folder_create(request, company_id):
    actor = actor_for(request)
    company = _visible_company(request, company_id)
    require(actor, "documents.manage", company, request=request)
    form = FolderForm(request.POST, folders=visible_folders(actor))
    if form.is_valid():
        parent = form.cleaned_data["parent"]
        try:
            created = actions.folder_create(
                company=company,
                parent=parent,
                name=form.cleaned_data["name"],
                is_internal=form.cleaned_data["is_internal"],
                actor=actor.user,
                request=request,
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, f"Folder “{created}” created.")
            return redirect("documents:folder", created.pk)
    parent = form.cleaned_data.get("parent")
    return _space_page(request, company, parent, folder_form=form, status=400)


# Uploads


def _receiving_uploads(target):
    """Decorate a page view that takes files: ``target(request, **url_kwargs)`` finds what is
    uploaded to and checks permission (404/403) before anything reads the body; then the
    agency's cap goes in front of the upload handlers, and only then is CSRF checked (the
    check reads the body). The view gets ``(request, target's object, cap)``."""

    def decorator(view):
        @require_POST
        @csrf_exempt
        @permission_required("workspace.use")
        @wraps(view)
        def wrapped(request, **kwargs):
            place = target(request, **kwargs)
            cap = upload_cap(request, actions.upload_limit())
            return csrf_protect(view)(request, place, cap)

        return wrapped

    return decorator


def _upload_target(request, company_id):
    company = _visible_company(request, company_id)
    # The company's space as a whole: viewers are refused without uploading anything.
    require(actor_for(request), "documents.upload", company, request=request)
    return company


@_receiving_uploads(_upload_target)
def upload(request, company, cap):
    actor = actor_for(request)
    form = UploadForm(
        request.POST,
        request.FILES,
        folders=visible_folders(actor),
        team=actor.is_team,
        refused=cap.refusals,
    )
    created = []
    if form.is_valid():
        data = form.cleaned_data
        folder = data["folder"]
        require(actor, "documents.upload", folder or company, request=request)
        if folder is not None and folder.company_id != company.pk:
            form.add_error("folder", "That folder belongs to another client.")
        else:
            # Each file is its own document, stored whole or not at all; one refused while
            # streaming leaves the others saved, and its message names it.
            for each in data["files"]:
                try:
                    created.append(
                        actions.document_upload(
                            company=company,
                            folder=folder,
                            upload=each,
                            description=data["description"],
                            kind=form.document_kind(),
                            actor=actor.user,
                            request=request,
                        )
                    )
                except ValidationError as refused:
                    form.add_error("files", _naming_the_file(refused, each))
    folder = form.cleaned_data.get("folder")
    if _wants_json(request):
        return _upload_json(form, created)
    if form.is_valid():
        messages.success(request, _uploaded_message(created))
        return redirect(_back_to(folder, company))
    if created:
        messages.info(request, _uploaded_message(created) + " The others were not.")
    return _space_page(request, company, folder, upload_form=form, status=400)


def _naming_the_file(refused: ValidationError, upload) -> list[str]:
    """An action's refusal as messages that name the file: the files app's refusals do, a
    taken name (keyed by field) does not yet."""
    if hasattr(refused, "error_dict"):
        return [f"“{safe_file_name(upload.name)}”: {message}" for message in refused.messages]
    return refused.messages


def _uploaded_message(created) -> str:
    if len(created) == 1:
        return f"“{created[0]}” uploaded."
    return f"{len(created)} files uploaded."


def _upload_json(form, created) -> JsonResponse:
    documents = [
        {"id": each.pk, "name": each.name, "url": reverse("documents:document", args=(each.pk,))}
        for each in created
    ]
    if form.errors:
        return JsonResponse({"errors": _form_errors(form), "documents": documents}, status=400)
    return JsonResponse({"documents": documents}, status=201)


# One document


def _document_page(request, document, *, version_form=None, edit_form=None, status=200):
    actor = actor_for(request)
    current = document.current_version
    context = {
        "actor": actor,
        "document": document,
        "path": folder_path(document.folder) if document.folder_id else [],
        "versions": versions_with_approvals(document),
        "preview": version_preview(
            current,
            page_url=lambda page: reverse(
                "documents:version_preview_page", args=(document.pk, current.number, page)
            ),
        ),
        "preview_name": current.file.name,
        "preview_download_url": reverse(
            "documents:version_download", args=(document.pk, current.number)
        ),
        "may_request_approval": can(actor, "approvals.request", document.company),
        "max_bytes": actions.upload_limit(),
    }
    if can(actor, "document.add_version", document):
        context["version_form"] = version_form or VersionForm()
    if can(actor, "documents.manage", document.company):
        fields = {field: getattr(document, field) for field in DocumentForm.base_fields}
        context["edit_form"] = edit_form or DocumentForm(initial=fields)
    template = "documents/document.html"
    if is_htmx(request, target="document-main"):
        template += "#main"
    elif is_htmx(request, target="file-preview"):  # a preview still being made, asking again
        template = "files/preview.html"
    return render(request, template, context, status=status)


@permission_required("workspace.use")
def document(request, document_id):
    return _document_page(request, _visible_document(request, document_id))


@require_POST
@permission_required("workspace.use")
def document_edit(request, document_id):
    actor = actor_for(request)
    shown = _visible_document(request, document_id)
    require(actor, "documents.manage", shown.company, request=request)
    form = DocumentForm(request.POST)
    if form.is_valid():
        try:
            actions.document_update(
                document=shown, actor=actor.user, request=request, **form.cleaned_data
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, "Saved.")
            return redirect("documents:document", shown.pk)
    return _document_page(request, shown, edit_form=form, status=400)


def _version_target(request, document_id):
    shown = _visible_document(request, document_id)
    require(actor_for(request), "document.add_version", shown, request=request)
    return shown


@_receiving_uploads(_version_target)
def version_add(request, shown, cap):
    actor = actor_for(request)
    form = VersionForm(request.POST, request.FILES, refused=cap.refusals)
    version = None
    if form.is_valid():
        try:
            version = actions.version_add(
                document=shown,
                upload=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
                actor=actor.user,
                request=request,
            )
        except ValidationError as refused:
            form.add_error("file", refused.messages)
    if _wants_json(request):
        if version is None:
            return JsonResponse({"errors": _form_errors(form)}, status=400)
        return JsonResponse({"version": version.number}, status=201)
    if version is not None:
        messages.success(request, f"Version {version.number} uploaded.")
        return redirect("documents:document", shown.pk)
    return _document_page(request, shown, version_form=form, status=400)


def _visible_version(request, document_id, number):
    shown = _visible_document(request, document_id)
    return get_object_or_404(shown.versions.select_related("file"), number=number)


@permission_required("workspace.use")
def version_download(request, document_id, number):
    return file_download_response(_visible_version(request, document_id, number).file)


@permission_required("workspace.use")
def version_preview_page(request, document_id, number, page):
    """A page of a version's preview, to whoever may download the version."""
    return file_preview_page_response(_visible_version(request, document_id, number).file, page)


# Search


@permission_required("workspace.use")
def search(request):
    actor = actor_for(request)
    form = SearchForm(request.GET, companies=None if actor.is_client else visible_companies(actor))
    results, found, status = None, None, 200
    if form.is_valid() and form.cleaned_data["q"]:
        documents = visible_documents(actor).filter(**form.filters())
        found = document_search(actor, form.cleaned_data["q"], documents, snippets=True)
        paginator = Paginator(found.documents, SEARCH_PAGE_SIZE)
        paginator.count = found.count  # counted once already, up to the ranking cap
        results = paginator.get_page(request.GET.get("page"))
    elif not form.is_valid():
        status = 400
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "results": results,
        "found": found,
        "ranked_max": f"{settings.DOCUMENT_SEARCH_RANKED_MAX:,}",
        "page_query": query.urlencode(),
    }
    template = "documents/search.html"
    if is_htmx(request, target="search-results"):
        template += "#results"
        status = 200  # htmx swaps only what succeeds
    return render(request, template, context, status=status)
