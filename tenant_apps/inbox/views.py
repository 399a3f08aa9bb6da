"""File request pages, and the upload a client makes straight from Waiting on you.

Upload forms post with htmx from the home page and get back that item, done; without htmx
the same route redirects to the file request.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tenant_apps.inbox import actions
from tenant_apps.inbox.forms import FileRequestForm, UploadForm
from tenant_apps.inbox.models import FileRequestStatus
from tenant_apps.inbox.selectors import visible_file_requests
from tenant_apps.kit.access import actor_for, can, permission_required, require
from tenant_apps.kit.htmx import is_htmx, list_template
from tenant_apps.people.selectors import visible_companies

PAGE_SIZE = 25


def _form_errors(form, error: ValidationError) -> None:
    """An action's refusal on the form: under its field when the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


@permission_required("workspace.use")
def file_request_list(request):
    actor = actor_for(request)
    open_first = Case(
        When(status=FileRequestStatus.OPEN, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    rows = visible_file_requests(actor).order_by(open_first, "due_date", "-created_at")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "may_ask": can(actor, "file_requests.create")}
    template = list_template(request, "inbox/file_requests.html", results="file-request-results")
    return render(request, template, context)


def _company_asked(request, actor):
    """The company named in the query or the form, which must be one the actor sees (404)."""
    company_id = request.POST.get("company") or request.GET.get("company")
    if not company_id:
        return None
    if not company_id.isdecimal():
        raise Http404("No such client")
    return get_object_or_404(visible_companies(actor), pk=int(company_id))


@permission_required("file_requests.create")
def file_request_new(request):
    actor = actor_for(request)
    company = _company_asked(request, actor)
    initial = {"company": company} if company else {}
    form = FileRequestForm(request.POST or None, actor=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        require(actor, "file_requests.create", data["company"], request=request)
        try:
            file_request = actions.file_request_create(
                company=data["company"],
                title=data["title"],
                description=data["description"],
                due_date=data["due_date"],
                folder=data["folder"],
                requested_from=data["requested_from"],
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"{file_request.company} has been asked for the file.")
            return redirect("inbox:file_request", file_request.pk)
    return render(request, "inbox/file_request_new.html", {"form": form})


def _file_request(request, file_request_id):
    actor = actor_for(request)
    file_request = get_object_or_404(visible_file_requests(actor), pk=file_request_id)
    require(actor, "file_request.view", file_request, request=request)
    return actor, file_request


def _detail(request, file_request, *, upload_form=None, status=200):
    actor = actor_for(request)
    context = {
        "file_request": file_request,
        "upload_form": upload_form or UploadForm(),
        "may_upload": file_request.is_open and can(actor, "file_request.fulfil", file_request),
        "may_cancel": file_request.is_open and can(actor, "file_request.cancel", file_request),
    }
    return render(request, "inbox/file_request.html", context, status=status)


@permission_required("workspace.use")
def file_request_detail(request, file_request_id):
    _, file_request = _file_request(request, file_request_id)
    return _detail(request, file_request)


@require_POST
@permission_required("workspace.use")
def file_request_upload(request, file_request_id):
    actor, file_request = _file_request(request, file_request_id)
    require(actor, "file_request.fulfil", file_request, request=request)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            file_request = actions.file_request_fulfil(
                file_request=file_request,
                upload=form.cleaned_data["file"],
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            _form_errors(form, error)
    if is_htmx(request):
        # The Waiting-on-you item: done, or its form again with what went wrong.
        context = {"file_request": file_request, "upload_form": form}
        return render(request, "inbox/includes/upload_result.html", context)
    if form.errors:
        return _detail(request, file_request, upload_form=form, status=400)
    messages.success(request, "Thank you: your file is uploaded.")
    return redirect("inbox:file_request", file_request.pk)


@require_POST
@permission_required("workspace.use")
def file_request_cancel(request, file_request_id):
    actor, file_request = _file_request(request, file_request_id)
    require(actor, "file_request.cancel", file_request, request=request)
    try:
        actions.file_request_cancel(file_request=file_request, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The file request is cancelled.")
    return redirect("inbox:file_request", file_request.pk)
