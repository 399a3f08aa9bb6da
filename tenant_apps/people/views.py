"""Team and client pages. Who may do what comes from policy; every write is an action."""

from dataclasses import dataclass

from django.contrib import auth, messages
from django.contrib.auth.hashers import make_password
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tenant_apps.kit.access import actor_for, can, permission_required, require
from tenant_apps.kit.htmx import is_htmx, list_template
from tenant_apps.kit.roles import ClientRole, TeamRole
from tenant_apps.people import actions, selectors
from tenant_apps.people.forms import (
    CompanyForm,
    InvitationAcceptForm,
    InviteForm,
    RoleForm,
    StaffAccessForm,
)
from tenant_apps.people.models import ClientCompany, ClientMember, TeamMember
from tenant_apps.people.selectors import visible_companies, visible_invitations
from tenant_apps.people.validation import COMPANY_NAME_TAKEN
from tenant_apps.security.sign_in import METHOD_KEY

COMPANIES_PER_PAGE = 50
# Unknown links 404; links that existed but can no longer be used are gone (410).
REFUSAL_STATUS = {"unknown": 404}


@dataclass
class MemberRow:
    """A person in a list, with the role form when the viewer may change their role."""

    member: TeamMember | ClientMember
    role_form: RoleForm | None


def _posted(request):
    # Not ``request.POST or None``: a form whose boxes are all unticked posts nothing.
    return request.POST if request.method == "POST" else None


def _rows(actor, members, permission, roles, bound=None) -> list[MemberRow]:
    """One row per member; ``bound`` is a (member id, submitted form) to show with its errors."""
    rows = []
    for member in members:
        form = None
        if can(actor, permission, member):
            if bound and bound[0] == member.pk:
                form = bound[1]
            else:
                form = RoleForm(
                    roles=roles, initial={"role": member.role}, auto_id=f"role-{member.pk}-%s"
                )
        rows.append(MemberRow(member, form))
    return rows


# Team


def _team_page(request, *, invite_form=None, bound_role=None):
    actor = actor_for(request)
    if invite_form is None and can(actor, "team.invite"):
        invite_form = _team_invite_form(actor)
    invitations = None
    if can(actor, "invitations.view"):
        invitations = selectors.invitations_listed(
            visible_invitations(actor).pending().filter(company__isnull=True)
        )
    context = {
        "actor": actor,
        "rows": _rows(
            actor, selectors.team_members(), "team.change_role", TeamRole.choices, bound_role
        ),
        "invitations": invitations,
        "invite_form": invite_form,
    }
    return render(request, "people/team.html", context)


def _team_invite_form(actor, data=None) -> InviteForm:
    offered = [(role, label) for role, label in TeamRole.choices if can(actor, "team.invite", role)]
    return InviteForm(
        data, roles=TeamRole.choices, offered=offered, initial={"role": TeamRole.STAFF}
    )


@permission_required("team.view")
def team(request):
    return _team_page(request)


@require_POST
@permission_required("team.invite")
def team_invite(request):
    actor = actor_for(request)
    form = _team_invite_form(actor, request.POST)
    if not form.is_valid():
        return _team_page(request, invite_form=form)
    data = form.cleaned_data
    require(actor, "team.invite", data["role"], request=request)
    actions.invitation_create(
        email=data["email"],
        full_name=data["full_name"],
        team_role=data["role"],
        actor=actor.user,
        request=request,
    )
    messages.success(request, f"Invitation to {data['email']} is on its way.")
    return redirect("people:team")


@require_POST
@permission_required("team.view")
def team_role(request, member_id):
    member = get_object_or_404(selectors.team_members(), pk=member_id)
    return _role_change(
        request,
        member,
        permission="team.change_role",
        roles=TeamRole.choices,
        change=actions.team_role_change,
        template="people/team.html#member_row",
        page=lambda bound: _team_page(request, bound_role=bound),
        done="people:team",
    )


def _role_change(request, member, *, permission, roles, change, template, page, done):
    """Change a team or client role; htmx gets the member's row back, a browser the page."""
    actor = actor_for(request)
    require(actor, permission, member, request=request)
    form = RoleForm(request.POST, roles=roles, auto_id=f"role-{member.pk}-%s")
    valid = form.is_valid()
    if valid and form.cleaned_data["role"] != member.role:
        change(member=member, role=form.cleaned_data["role"], actor=actor.user, request=request)
    bound = None if valid else (member.pk, form)
    if is_htmx(request):
        row = _rows(actor, [member], permission, roles, bound)[0]
        return render(request, template, {"actor": actor, "row": row})
    if not valid:
        return page(bound)
    messages.success(request, f"{member.user} is now {member.get_role_display()}.")
    return redirect(done)


@permission_required("team.view")
def staff_access(request, member_id):
    actor = actor_for(request)
    member = get_object_or_404(selectors.team_members(), pk=member_id)
    require(actor, "team.assign_clients", member, request=request)
    initial = {
        "sees_all_clients": member.sees_all_clients,
        "companies": member.assigned_companies.all(),
    }
    form = StaffAccessForm(_posted(request), initial=initial)
    if form.is_valid():
        actions.staff_assignments_set(
            member=member,
            companies=list(form.cleaned_data["companies"]),
            sees_all_clients=form.cleaned_data["sees_all_clients"],
            actor=actor.user,
            request=request,
        )
        messages.success(request, f"Client access for {member.user} saved.")
        return redirect("people:team")
    return render(
        request, "people/staff_access.html", {"actor": actor, "member": member, "form": form}
    )


# Clients


@permission_required("clients.view")
def clients(request):
    actor = actor_for(request)
    companies = selectors.companies_with_people_count(visible_companies(actor))
    page = Paginator(companies, COMPANIES_PER_PAGE).get_page(request.GET.get("page"))
    template = list_template(request, "people/clients.html", results="company-results")
    return render(request, template, {"actor": actor, "page": page})


@permission_required("clients.manage")
def company_create(request):
    actor = actor_for(request)
    form = CompanyForm(_posted(request))
    if form.is_valid():
        try:
            company = actions.client_company_create(
                name=form.cleaned_data["name"], actor=actor.user, request=request
            )
        except IntegrityError:  # created by someone else since the form was checked
            form.add_error("name", COMPANY_NAME_TAKEN)
        else:
            messages.success(request, f"{company} added. Invite its first people below.")
            return redirect("people:company", company.pk)
    return render(request, "people/company_create.html", {"actor": actor, "form": form})


def _visible_company(request, company_id) -> ClientCompany:
    return get_object_or_404(visible_companies(actor_for(request)), pk=company_id)


def _company_page(request, company, *, invite_form=None, bound_role=None):
    actor = actor_for(request)
    manages = can(actor, "company.manage_people", company)
    invitations = None
    if manages:
        invite_form = invite_form or InviteForm(
            roles=ClientRole.choices, initial={"role": ClientRole.VIEWER}
        )
        invitations = selectors.invitations_listed(company.invitations.pending())
    people = selectors.company_people(company)
    context = {
        "actor": actor,
        "company": company,
        "rows": _rows(actor, people, "company.change_role", ClientRole.choices, bound_role),
        "invitations": invitations,
        "invite_form": invite_form,
    }
    return render(request, "people/company.html", context)


@permission_required("clients.view")
def company(request, company_id):
    return _company_page(request, _visible_company(request, company_id))


@require_POST
@permission_required("clients.view")
def company_invite(request, company_id):
    actor = actor_for(request)
    company = _visible_company(request, company_id)
    require(actor, "company.manage_people", company, request=request)
    form = InviteForm(request.POST, roles=ClientRole.choices)
    if not form.is_valid():
        return _company_page(request, company, invite_form=form)
    data = form.cleaned_data
    actions.invitation_create(
        email=data["email"],
        full_name=data["full_name"],
        company=company,
        client_role=data["role"],
        actor=actor.user,
        request=request,
    )
    messages.success(request, f"Invitation to {data['email']} is on its way.")
    return redirect("people:company", company.pk)


@require_POST
@permission_required("clients.view")
def client_role(request, company_id, member_id):
    company = _visible_company(request, company_id)
    member = get_object_or_404(selectors.company_people(company), pk=member_id)
    return _role_change(
        request,
        member,
        permission="company.change_role",
        roles=ClientRole.choices,
        change=actions.client_role_change,
        template="people/company.html#member_row",
        page=lambda bound: _company_page(request, company, bound_role=bound),
        done=reverse("people:company", args=[company.pk]),
    )


# Invitations


@require_POST
@permission_required("invitations.view")
def invitation_revoke(request, invitation_id):
    actor = actor_for(request)
    invitations = selectors.invitations_listed(visible_invitations(actor))
    invitation = get_object_or_404(invitations, pk=invitation_id)
    require(actor, "invitations.revoke", invitation, request=request)
    try:
        actions.invitation_revoke(invitation=invitation, actor=actor.user, request=request)
        outcome = messages.SUCCESS, f"Invitation to {invitation.email} revoked."
    except actions.InvitationRefused as refused:
        outcome = messages.ERROR, refused.message
    if is_htmx(request):
        # The row shows the invitation's state now, whoever changed it.
        invitation.refresh_from_db(fields=["revoked_at", "accepted_at"])
        context = {"actor": actor, "invitation": invitation}
        return render(request, "people/includes/invitations.html#row", context)
    messages.add_message(request, *outcome)
    if invitation.is_for_team:
        return redirect("people:team")
    return redirect("people:company", invitation.company_id)


def invitation_accept(request, secret):
    """Anyone holding the link may open it; it is looked up in this agency's schema only."""
    invitation = selectors.invitation_for_secret(secret)
    reason = "unknown" if invitation is None else invitation.status
    if reason != "pending":
        return _invitation_refused(request, reason)
    form = InvitationAcceptForm(_posted(request), invitation=invitation)
    if form.is_valid():
        # Hashed before the action takes its row lock; None leaves an unusable password.
        password = form.password
        try:
            user = actions.invitation_accept(
                secret=secret,
                full_name=form.cleaned_data["full_name"],
                password_hash=make_password(password) if password else None,
                request=request,
            )
        except actions.InvitationRefused as refused:
            return _invitation_refused(request, refused.reason)
        auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[METHOD_KEY] = "action_link"  # signed in by the emailed invitation
        messages.success(request, f"Welcome, {user.get_short_name()}.")
        return redirect("workspace:home")
    context = {"invitation": invitation, "form": form}
    return render(request, "people/invitation_accept.html", context)


def _invitation_refused(request, reason):
    status = REFUSAL_STATUS.get(reason, 410)
    return render(request, "people/invitation_refused.html", {"reason": reason}, status=status)
