"""Project update pages: the milestones of every client the person sees, one client's in
order (where the team posts, reorders and moves them on), one milestone, and the owner's
weekly client report switch with its preview.

Status changes and moves post with htmx and get back the client's list; without htmx the
same routes redirect.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tenant_apps.kit.access import actor_for, can, permission_required, require
from tenant_apps.kit.htmx import is_htmx, list_template
from tenant_apps.people.selectors import visible_companies
from tenant_apps.projects import actions
from tenant_apps.projects.forms import MilestoneFilterForm, MilestoneForm, MoveForm, StatusForm
from tenant_apps.projects.models import Milestone
from tenant_apps.projects.selectors import visible_milestones

PAGE_SIZE = 50


# Lists


@permission_required("workspace.use")
def milestone_list(request):
    """Every milestone the person sees, client by client in each one's order."""
    actor = actor_for(request)
    companies = visible_companies(actor).order_by("name") if actor.is_team else None
    form = MilestoneFilterForm(request.GET, companies=companies)
    if form.is_valid():
        milestones, status = form.apply(visible_milestones(actor)), 200
    else:
        # A 400, except to htmx, which would not swap it in.
        milestones, status = Milestone.objects.none(), 200 if is_htmx(request) else 400
    milestones = milestones.order_by("company__name", "company_id", "position", "id")
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "actor": actor,
        "form": form,
        "page": Paginator(milestones, PAGE_SIZE).get_page(request.GET.get("page")),
        "page_query": query.urlencode(),
        "companies": companies,
    }
    template = list_template(request, "projects/list.html", results="milestone-results")
    return render(request, template, context, status=status)


def _visible_company(request, company_id):
    """A company the person sees, or a 404."""
    return get_object_or_404(visible_companies(actor_for(request)), pk=company_id)


def _company_context(request, company, **forms) -> dict:
    actor = actor_for(request)
    manages = can(actor, "milestones.manage", company)
    context = {
        "actor": actor,
        "company": company,
        "milestones": visible_milestones(actor).filter(company=company).order_by("position"),
        "manages": manages,
        "status_choices": StatusForm.base_fields["status"].choices,
    }
    if manages:
        context["form"] = MilestoneForm(with_status=True)
    return context | forms


@permission_required("workspace.use")
def company_milestones(request, company_id):
    company = _visible_company(request, company_id)
    return render(request, "projects/company.html", _company_context(request, company))


@permission_required("workspace.use")
def milestone_create(request, company_id):
    actor = actor_for(request)
    company = _visible_company(request, company_id)
    require(actor, "milestones.manage", company, request=request)
    if request.method != "POST":
        return render(request, "projects/company.html", _company_context(request, company))
    form = MilestoneForm(request.POST, with_status=True)
    if form.is_valid():
        try:
            milestone = actions.milestone_post(
                company=company, actor=actor.user, request=request, **form.cleaned_data
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, f"Milestone “{milestone.title}” posted.")
            return redirect("projects:company", company.pk)
    context = _company_context(request, company, form=form)
    return render(request, "projects/company.html", context, status=400)


# One milestone


def _visible_milestone(request, milestone_id) -> Milestone:
    return get_object_or_404(visible_milestones(actor_for(request)), pk=milestone_id)


def _managed_milestone(request, milestone_id) -> tuple:
    """The actor and a milestone they may change: 404 if unseen, 403 if only seen."""
    actor = actor_for(request)
    milestone = _visible_milestone(request, milestone_id)
    require(actor, "milestones.manage", milestone.company, request=request)
    return actor, milestone


@permission_required("workspace.use")
def milestone_detail(request, milestone_id):
    """The milestone; for the team, with its edit form (a POST here saves it)."""
    actor = actor_for(request)
    milestone = _visible_milestone(request, milestone_id)
    manages = can(actor, "milestones.manage", milestone.company)
    form, status = None, 200
    if request.method == "POST":
        require(actor, "milestones.manage", milestone.company, request=request)
        form = MilestoneForm(request.POST)
        if form.is_valid():
            try:
                actions.milestone_update(
                    milestone=milestone, actor=actor.user, request=request, **form.cleaned_data
                )
            except ValidationError as refused:
                form.add_error(None, refused)
            else:
                messages.success(request, "Milestone saved.")
                return redirect("projects:milestone", milestone.pk)
        status = 400
    elif manages:
        form = MilestoneForm(
            initial={
                "title": milestone.title,
                "description": milestone.description,
                "due_date": milestone.due_date,
            }
        )
    context = {"milestone": milestone, "form": form, "manages": manages, "actor": actor}
    return render(request, "projects/milestone.html", context, status=status)


def _answer(request, milestone: Milestone, *, message: str = "", refused=()):
    """After a change from the client's list. htmx: the list as it now is, any refusal above
    it (a 200, so htmx swaps it in). Otherwise: a redirect to the client's page, or that
    page with the refusal (400)."""
    if is_htmx(request) or refused:
        context = _company_context(request, milestone.company, refused=refused)
        if is_htmx(request):
            return render(request, "projects/company.html#milestone-list", context)
        return render(request, "projects/company.html", context, status=400)
    if message:
        messages.success(request, message)
    return redirect("projects:company", milestone.company_id)


def _list_change(request, milestone_id, form_class, action, done=lambda milestone: ""):
    """``action`` with the posted ``form_class``'s field (named as the action's argument);
    ``done`` says what happened to the milestone."""
    actor, milestone = _managed_milestone(request, milestone_id)
    form = form_class(request.POST)
    if not form.is_valid():
        refused = [message for errors in form.errors.values() for message in errors]
        return _answer(request, milestone, refused=refused)
    changed = action(milestone=milestone, actor=actor.user, request=request, **form.cleaned_data)
    return _answer(request, changed, message=done(changed))


@require_POST
@permission_required("workspace.use")
def milestone_status(request, milestone_id):
    return _list_change(
        request,
        milestone_id,
        StatusForm,
        actions.milestone_status_change,
        lambda changed: f"“{changed.title}” is {changed.get_status_display().lower()}.",
    )


@require_POST
@permission_required("workspace.use")
def milestone_move(request, milestone_id):
    return _list_change(request, milestone_id, MoveForm, actions.milestone_move)


@require_POST
@permission_required("workspace.use")
def milestone_remove(request, milestone_id):
    actor, milestone = _managed_milestone(request, milestone_id)
    actions.milestone_remove(milestone=milestone, actor=actor.user, request=request)
    return _answer(request, milestone, message=f"Milestone “{milestone.title}” removed.")


# The weekly client report
