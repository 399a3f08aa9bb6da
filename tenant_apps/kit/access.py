"""Who may do what to which object: the one place that decides.

Web views and API views both ask ``can``/``require`` here; neither writes a
check of its own. Objects a person may not see at all are filtered out of
querysets by the ``visible_*`` selectors (so they 404), and actions on
objects they can see are checked with ``require`` (so they 403), which also
writes the denial to the activity log.

Rules take an ``Actor``, the signed-in user with their team or client
membership loaded once per request by ``actor_for``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from shared_apps.accounts.models import User
from tenant_apps.activity.actions import activity_record
from tenant_apps.kit.audit import AccessAudit
from tenant_apps.kit.roles import ClientRole, TeamRole


@dataclass(frozen=True)
class Actor:
    user: object
    team: object | None  # people's TeamMember
    client: object | None  # people's ClientMember

    @property
    def is_team(self) -> bool:
        return self.team is not None

    @property
    def is_client(self) -> bool:
        return self.client is not None

    def has_team_role(self, *roles: str) -> bool:
        return self.team is not None and self.team.role in roles

    def has_client_role(self, *roles: str) -> bool:
        return self.client is not None and self.client.role in roles

    @cached_property
    def visible_company_ids(self) -> frozenset[int] | None:
        """Client companies this person may see; None means all of them."""
        if self.team is not None:
            if self.team.role != TeamRole.STAFF or self.team.sees_all_clients:
                return None
            return frozenset(self.team.assigned_companies.values_list("id", flat=True))
        if self.client is not None:
            return frozenset([self.client.company_id])
        return frozenset()

    def sees_company(self, company_id: int) -> bool:
        ids = self.visible_company_ids
        return ids is None or company_id in ids


NOBODY = Actor(user=None, team=None, client=None)


def actor_for(request) -> Actor:
    """The request's actor, loaded once (one query) and cached on the request."""
    user = request.user
    if not user.is_authenticated:
        return NOBODY
    cached = getattr(request, "_actor", None)
    if cached is not None and cached.user.pk == user.pk:
        return cached
    loaded = User.objects.select_related("team_member", "client_member__company").get(pk=user.pk)
    actor = Actor(
        user=loaded,
        team=getattr(loaded, "team_member", None),
        client=getattr(loaded, "client_member", None),
    )
    request._actor = actor
    return actor


OWNER_OR_ADMIN = (TeamRole.OWNER, TeamRole.ADMIN)


def _owner_or_admin(actor, obj=None) -> bool:
    return actor.has_team_role(*OWNER_OR_ADMIN)


def _team(actor, obj=None) -> bool:
    return actor.is_team


def _signed_in(actor, obj=None) -> bool:
    return actor.user is not None


def _view_company(actor, company) -> bool:
    return actor.sees_company(company.pk)


def _manages_people_of(actor, company_id: int) -> bool:
    # By id, so rules about a company's people and invitations never load the company.
    if actor.has_team_role(*OWNER_OR_ADMIN):
        return True
    return actor.has_client_role(ClientRole.ADMIN) and actor.client.company_id == company_id


def _manage_company_people(actor, company) -> bool:
    return _manages_people_of(actor, company.pk)


def _invite_team_role(actor, role: str | None) -> bool:
    # Admins build the team but cannot mint owners; only an owner can.
    # Without a role: may this person invite anyone to the team at all?
    if role == TeamRole.OWNER:
        return actor.has_team_role(TeamRole.OWNER)
    return actor.has_team_role(*OWNER_OR_ADMIN)


def _is_self(actor, member) -> bool:
    return actor.user is not None and member.user_id == actor.user.pk


def _change_team_role(actor, member) -> bool:
    # Nobody changes their own role, which also keeps the last owner an owner.
    return actor.has_team_role(TeamRole.OWNER) and not _is_self(actor, member)


def _assign_clients(actor, member) -> bool:
    # Only staff can be limited; owners and admins always see every client.
    return actor.has_team_role(*OWNER_OR_ADMIN) and member.role == TeamRole.STAFF


def _change_client_role(actor, member) -> bool:
    return _manages_people_of(actor, member.company_id) and not _is_self(actor, member)


def _revoke_invitation(actor, invitation) -> bool:
    # Whoever may offer what the invitation offers may withdraw it.
    if invitation.is_for_team:
        return _invite_team_role(actor, invitation.team_role)
    return _manages_people_of(actor, invitation.company_id)


def _erase_person(actor, person) -> bool:
    """``person``: the User, their memberships loaded. Owners erase anyone of the agency,
    client admins the people of their own company; nobody erases themselves (an owner does)."""
    if actor.user is None or person.pk == actor.user.pk:
        return False
    if actor.has_team_role(TeamRole.OWNER):
        return True
    if not actor.has_client_role(ClientRole.ADMIN):
        return False
    member = getattr(person, "client_member", None)
    return member is not None and member.company_id == actor.client.company_id


CLIENT_CONTRIBUTORS = (ClientRole.ADMIN, ClientRole.APPROVER, ClientRole.FINANCE)


def _contribute_to_company(actor, company_id) -> bool:
    """Team who see the company, or its client people other than viewers (read-only)."""
    if actor.is_team:
        return actor.sees_company(company_id)
    return actor.has_client_role(*CLIENT_CONTRIBUTORS) and actor.client.company_id == company_id


def _submit_request(actor, company=None) -> bool:
    # Without a company: "may submit at all" (to show the button).
    if company is None:
        return actor.is_team or actor.has_client_role(*CLIENT_CONTRIBUTORS)
    return _contribute_to_company(actor, company.pk)


def _upload_to(actor, place=None) -> bool:
    """``place``: a Folder, or a ClientCompany for the top level of its space; without one,
    "may upload anywhere at all" (to show the upload controls)."""
    if place is None:
        return actor.is_team or actor.has_client_role(*CLIENT_CONTRIBUTORS)
    # A company (its space's top level) has no is_internal; its company_id is its own pk.
    if getattr(place, "is_internal", False) and not actor.is_team:
        return False
    return _contribute_to_company(actor, place.company_id)


def _view_document(actor, document) -> bool:
    # Internal documents are the team's; visible_documents filters them out for clients.
    return actor.sees_company(document.company_id) and (actor.is_team or not document.is_internal)


INVOICE_READERS = (ClientRole.ADMIN, ClientRole.FINANCE)


def _reads_invoices_of(actor, company_id) -> bool:
    """Team who see the company, or its finance people and client admins."""
    if actor.is_team:
        return actor.sees_company(company_id)
    return actor.has_client_role(*INVOICE_READERS) and actor.client.company_id == company_id


def _view_invoice(actor, invoice) -> bool:
    # Drafts are the team's until sent, and a draft voided unsent never reaches the client;
    # visible_invoices filters the same way.
    return _reads_invoices_of(actor, invoice.company_id) and (
        actor.is_team or invoice.sent_at is not None
    )


APPROVER_ROLES = (ClientRole.ADMIN, ClientRole.APPROVER)  # client people who may be asked


def _request_approval(actor, company=None) -> bool:
    # Without a company: "may ask for approvals at all" (to show the button).
    return actor.is_team and (company is None or actor.sees_company(company.pk))


def _view_approval(actor, approval) -> bool:
    """Team who see the company; its client people, except that an invoice's approval is for
    those who may see the invoice and whoever was asked (as approvals.selectors filters)."""
    if not actor.sees_company(approval.company_id):
        return False
    if actor.is_team or approval.invoice_id is None:
        return True
    return actor.user.pk in approval.approver_ids or can(actor, "invoice.view", approval.invoice)


def _decide_approval(actor, approval) -> bool:
    """Only a person asked, while still an approver or admin of the approval's company."""
    return (
        actor.has_client_role(*APPROVER_ROLES)
        and actor.client.company_id == approval.company_id
        and actor.user.pk in approval.approver_ids
    )


# What a thread is about (Thread.about) -> the rule that decides who sees that company or item.
THREAD_ITEM_RULES = {
    "company": "company.view",
    "request": "request.view",
    "document": "document.view",
    "approval": "approval.view",
    "invoice": "invoice.view",
}


def _view_thread(actor, thread) -> bool:
    """Whoever sees what the thread is about; an internal thread, only the team among them."""
    if thread.is_internal and not actor.is_team:
        return False
    return can(actor, THREAD_ITEM_RULES[thread.about], thread.item)


def _post_in_thread(actor, thread) -> bool:
    return _view_thread(actor, thread) and _contribute_to_company(actor, thread.company_id)


RULES: dict[str, Callable] = {
    "workspace.use": _signed_in,
    "workspace.first_run": _owner_or_admin,  # the first-run checklist: see and put away
    "team.view": _team,
    "team.invite": _invite_team_role,  # obj: the role being offered
    "team.manage": lambda actor, obj=None: actor.has_team_role(TeamRole.OWNER),
    "team.change_role": _change_team_role,  # obj: the TeamMember
    "team.assign_clients": _assign_clients,  # obj: the TeamMember
    "clients.view": lambda actor, obj=None: actor.is_team or actor.is_client,
    "clients.manage": _owner_or_admin,
    "company.view": _view_company,
    # A client's overview (every list of theirs, their health): the team who see the company.
    "company.overview": lambda actor, obj: actor.is_team and actor.sees_company(obj.pk),
    "company.manage_people": _manage_company_people,
    "company.change_role": _change_client_role,  # obj: the ClientMember
    "invitations.view": lambda actor, obj=None: (
        actor.has_team_role(*OWNER_OR_ADMIN) or actor.has_client_role(ClientRole.ADMIN)
    ),
    "invitations.revoke": _revoke_invitation,  # obj: the Invitation
    "person.erase": _erase_person,  # obj: the User
    "activity.view_all": _owner_or_admin,
    "requests.submit": _submit_request,  # obj: the ClientCompany, or None
    "request.view": lambda actor, obj: actor.sees_company(obj.company_id),
    "request.reply": lambda actor, obj: _contribute_to_company(actor, obj.company_id),
    # Assign, change status/priority/due date, read and write internal notes.
    "request.work": lambda actor, obj: actor.is_team and actor.sees_company(obj.company_id),
    "requests.configure": _owner_or_admin,  # request types and the SLA policy
    # Satisfaction: the client who asked rates their request (the team never rates for them);
    # the rating is seen by them and by the team who see the company.
    "request.rate": lambda actor, obj: (
        actor.is_client
        and actor.sees_company(obj.company_id)
        and obj.created_by_id == actor.user.pk
    ),
    "request.rating_view": lambda actor, obj: (
        actor.sees_company(obj.company_id)
        and (actor.is_team or (actor.is_client and obj.created_by_id == actor.user.pk))
    ),
    # Tags (defined by owners and admins, put on requests with request.work), saved views of
    # the list and bulk changes (each item then needs request.work): the team's.
    "request_tags.manage": _owner_or_admin,
    "request_tags.use": _team,
    "request_views.use": _team,
    "saved_view.delete": lambda actor, view: (
        actor.is_team
        and (
            view.owner_id == actor.user.pk or (view.shared and actor.has_team_role(*OWNER_OR_ADMIN))
        )
    ),
    "requests.bulk": _team,
    "security.manage": lambda actor, obj=None: actor.has_team_role(TeamRole.OWNER),
    # How long closed requests, old file versions and sign-in records are kept.
    "retention.manage": _owner_or_admin,
    # --- documents (document hub) ---
    # obj: the ClientCompany whose space is browsed.
    "documents.view": lambda actor, obj: actor.sees_company(obj.pk),
    # obj: the Folder (or the ClientCompany for its top level); viewers only read.
    "documents.upload": _upload_to,
    # Folders, internal folders, renames and moves: the team who see the company (obj: the
    # ClientCompany; None for "at all").
    "documents.manage": lambda actor, obj=None: (
        actor.is_team and (obj is None or actor.sees_company(obj.pk))
    ),
    "document.view": _view_document,  # obj: the Document
    "document.add_version": lambda actor, obj: (
        _view_document(actor, obj) and _contribute_to_company(actor, obj.company_id)
    ),
    # --- approvals ---
    "approvals.request": _request_approval,  # obj: the ClientCompany, or None
    "approval.view": _view_approval,  # obj: the ApprovalRequest; also its record and file
    "approval.decide": _decide_approval,  # obj: the ApprovalRequest
    # Ask again (on a newer version) or cancel: the team who see the company.
    "approval.manage": lambda actor, obj: actor.is_team and actor.sees_company(obj.company_id),
    # --- invoices ---
    # Has an invoices page at all (the nav link): the team, finance people, client admins.
    "invoices.view": lambda actor, obj=None: (
        actor.is_team or actor.has_client_role(*INVOICE_READERS)
    ),
    # obj: the ClientCompany billed, or None for "may create any at all".
    "invoices.create": lambda actor, obj=None: (
        actor.is_team and (obj is None or actor.sees_company(obj.pk))
    ),
    "invoice.view": _view_invoice,  # obj: the Invoice; also its PDF and history
    # Edit a draft, send, mark paid, void: the team who see the company.
    "invoice.manage": lambda actor, obj: actor.is_team and actor.sees_company(obj.company_id),
    # Tell the team "we have paid": the client's finance people and admins.
    "invoice.report_payment": lambda actor, obj: (
        actor.is_client and _reads_invoices_of(actor, obj.company_id)
    ),
    # --- payments (online, through the agency's connected Stripe account) ---
    # Connect the Stripe account, see its state, choose methods and part payments.
    "payments.manage": _owner_or_admin,
    # Give a client's payment back through Stripe (obj: the Payment).
    "payment.refund": _owner_or_admin,
    # Pay an invoice online: the client's finance people and admins, as they report payment.
    "invoice.pay": lambda actor, obj: actor.is_client and _reads_invoices_of(actor, obj.company_id),
    # The agency's legal details on invoices and its tax rates: owners and admins.
    "invoicing.configure": _owner_or_admin,
    # --- branding and domains ---
    # The portal's look, words and emails, and the addresses it answers on: owners only.
    "brand.manage": lambda actor, obj=None: actor.has_team_role(TeamRole.OWNER),
    # The agency's default time zone and date and money format.
    "regional.manage": _owner_or_admin,
    "domains.manage": lambda actor, obj=None: actor.has_team_role(TeamRole.OWNER),
    # --- billing ---
    # The plan, usage, Checkout and the Stripe Customer Portal: the owner's alone.
    "billing.manage": lambda actor, obj=None: actor.has_team_role(TeamRole.OWNER),
    # --- messaging ---
    # obj: the Thread, saved or about to be started (its first message starts it).
    "thread.view": _view_thread,
    # Viewers read only; internal threads are the team's.
    "thread.post": _post_in_thread,
    # obj: the Message: its author, while they may still post in its thread.
    "message.edit": lambda actor, obj: (
        actor.user is not None
        and obj.author_id == actor.user.pk
        and _post_in_thread(actor, obj.thread)
    ),
    # --- notifications and inbox ---
    "notifications.use": _signed_in,  # one's own notifications, preferences and links
    # obj: the ActionLink; its person, or an owner or admin withdrawing a forwarded one.
    "action_link.revoke": lambda actor, obj: (
        actor.has_team_role(*OWNER_OR_ADMIN) or obj.user_id == getattr(actor.user, "pk", None)
    ),
    "inbox.waiting_on_you": lambda actor, obj=None: actor.is_client,
    "inbox.next_actions": _team,
    # obj: the ClientCompany asked, or None for "may ask at all" (to show the button).
    "file_requests.create": lambda actor, obj=None: (
        actor.is_team and (obj is None or actor.sees_company(obj.pk))
    ),
    "file_request.view": lambda actor, obj: actor.sees_company(obj.company_id),
    # Upload the file asked for: the company's people who may upload, or the team for them.
    "file_request.fulfil": lambda actor, obj: _contribute_to_company(actor, obj.company_id),
    "file_request.cancel": lambda actor, obj: actor.is_team and actor.sees_company(obj.company_id),
    # --- webhooks ---
    # Register endpoints, see their secrets once, rotate them and read the delivery log.
    "webhooks.manage": _owner_or_admin,
    # Saved replies: every team member keeps their own; owners and admins the shared ones.
    "replies.use": _team,
    "replies.share": _owner_or_admin,
    # --- time and retainers ---
    # Log time or run a timer on a request (obj: the ClientRequest): the team who see it;
    # without one, "tracks time at all" (one's own timer).
    "time.log": lambda actor, obj=None: (
        actor.is_team and (obj is None or actor.sees_company(obj.company_id))
    ),
    # Set and remove retainers, and see every company's month and who is over.
    "retainers.manage": _owner_or_admin,
    # A company's retainer month (obj: the ClientCompany): the team who see it and all of
    # its client people (hours used and remaining on their dashboard).
    "retainer.view": lambda actor, obj: actor.user is not None and actor.sees_company(obj.pk),
    # --- projects and reports ---
    # Reports (and their CSV and API) show every client's figures and the team's workload:
    # owners and admins only.
    "reports.view": _owner_or_admin,
    # Milestones: whoever sees the company reads them (visible_milestones); the team who see
    # it post, change, reorder and remove them. obj: the ClientCompany, or None for "at all".
    "milestones.manage": lambda actor, obj=None: (
        actor.is_team and (obj is None or actor.sees_company(obj.pk))
    ),
    # The weekly client report: the owner switches it on or off and previews it.
    "weekly_report.manage": lambda actor, obj=None: actor.has_team_role(TeamRole.OWNER),
    # --- support access ---
    # Let platform support sign in as the agency's people for a while, revoke it, and read
    # every support session: the owner's consent alone.
    "support_access.manage": lambda actor, obj=None: actor.has_team_role(TeamRole.OWNER),
    # --- help centre ---
    # Write, publish, change and remove articles: the whole team (staff answer the questions).
    "help.write": _team,
    # Collections, who may read them and whether they are public: owners and admins.
    "help.configure": _owner_or_admin,
    # --- data ownership ---
    # Ask for, and download, an archive of one's own data: the team and client people.
    "own_data.export": lambda actor, obj=None: actor.is_team or actor.is_client,
    # Ask for, and download, the agency's full export (every record and file): owners only.
    "agency_archive.export": lambda actor, obj=None: actor.has_team_role(TeamRole.OWNER),
}


def can(actor: Actor, permission: str, obj=None) -> bool:
    return RULES[permission](actor, obj)


def require(actor: Actor, permission: str, obj=None, *, request=None) -> None:
    """Raise PermissionDenied (403) and log the denial unless ``actor`` may."""
    if can(actor, permission, obj):
        return
    if actor.user is not None:
        activity_record(
            action=AccessAudit.ACCESS_DENIED,
            actor=actor.user,
            target=obj if hasattr(obj, "_meta") else None,
            changes={"permission": permission},
            request=request,
        )
    raise PermissionDenied(permission)


def permission_required(permission: str):
    """Decorate a page view: sign-in first, then ``permission`` (no object)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            require(actor_for(request), permission, request=request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class Allowed(BasePermission):
    """DRF permission: ``permission_classes = [Allowed.to("team.view")]``."""

    permission = ""

    @classmethod
    def to(cls, permission: str) -> type["Allowed"]:
        assert permission in RULES, permission
        return type(f"Allowed_{permission}", (cls,), {"permission": permission})

    def has_permission(self, request, view) -> bool:
        if not request.user.is_authenticated:
            return False
        require(actor_for(request), self.permission, request=request)
        return True
