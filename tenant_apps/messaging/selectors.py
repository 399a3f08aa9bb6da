"""Reads of threads and messages, filtered to what a person may see.

``visible_threads`` says in SQL what the policy's "thread.view" says per thread (a test keeps
the two in step), through the items' own ``visible_*`` selectors: anything a person may not
see is absent, so it 404s.
"""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from shared_apps.accounts.models import User
from tenant_apps.approvals.selectors import visible_approvals
from tenant_apps.documents.selectors import visible_documents
from tenant_apps.invoices.selectors import visible_invoices
from tenant_apps.kit.access import Actor, can
from tenant_apps.kit.roles import TeamRole
from tenant_apps.kit.samples import Sample, sample
from tenant_apps.messaging.models import (
    ITEM_FIELDS,
    About,
    Message,
    MessageRevision,
    Thread,
    ThreadReadState,
)
from tenant_apps.people.models import ClientCompany, ClientMember, TeamMember

THREAD_RELATED = ["company", "request", "document", "approval", "invoice"]


def _items_a_client_sees(actor: Actor) -> Q:
    """Threads whose item (if any) the client person may see, as each item's own selector
    says: so a thread's visibility follows its item's, whatever that rule becomes."""
    return (
        (Q(document__isnull=True) | Q(document__in=visible_documents(actor).values("pk")))
        & (Q(invoice__isnull=True) | Q(invoice__in=visible_invoices(actor).values("pk")))
        & (Q(approval__isnull=True) | Q(approval__in=visible_approvals(actor).values("pk")))
    )


def visible_threads(actor: Actor) -> QuerySet[Thread]:
    """Threads ``actor`` may read, with what their titles need."""
    threads = Thread.objects.select_related(*THREAD_RELATED)
    if actor.user is None or not (actor.is_team or actor.is_client):
        return threads.none()
    ids = actor.visible_company_ids
    if ids is not None:
        threads = threads.filter(company_id__in=ids)
    if actor.is_team:
        return threads
    return threads.filter(_items_a_client_sees(actor), is_internal=False)


def with_unread(threads: QuerySet[Thread], user) -> QuerySet[Thread]:
    """``threads`` annotated with ``unread``: messages by others after ``user`` last read."""
    last_read = ThreadReadState.objects.filter(thread=OuterRef("thread_id"), user=user).values(
        "last_read_message_id"
    )
    unread = (
        Message.objects.filter(thread=OuterRef("pk"), id__gt=Coalesce(Subquery(last_read), 0))
        .exclude(author=user)
        .order_by()
        .values("thread")
        .annotate(count=Count("*"))
        .values("count")
    )
    return threads.annotate(unread=Coalesce(Subquery(unread), 0))


def unread_threads(actor: Actor) -> QuerySet[Thread]:
    """Threads ``actor`` may read that hold messages they have not read, newest first, each
    with ``unread`` (how many). One query; for the Waiting-on-you inbox and the nav."""
    return with_unread(visible_threads(actor), actor.user).filter(unread__gt=0)


def thread_messages(thread: Thread) -> QuerySet[Message]:
    """A thread's messages, oldest first, with what showing one needs."""
    return thread.messages.select_related("author").prefetch_related(
        "attachments__file",
        Prefetch("mentions", queryset=User.objects.only("id", "email", "full_name")),
        Prefetch("revisions", queryset=MessageRevision.objects.order_by("-replaced_at", "-id")),
    )


def people_who_may_see(thread: Thread) -> list[User]:
    """Active people who may read ``thread``: the team who see its company, and (unless it is
    internal) the company's people whom the item's rule lets see it. Two queries."""
    team = (
        TeamMember.objects.filter(user__is_active=True)
        .filter(
            ~Q(role=TeamRole.STAFF)
            | Q(sees_all_clients=True)
            | Q(assigned_companies=thread.company_id)
        )
        .select_related("user")
        .distinct()
    )
    people = [member.user for member in team]
    if not thread.is_internal:
        clients = ClientMember.objects.filter(
            company_id=thread.company_id, user__is_active=True
        ).select_related("user")
        people += [
            member.user
            for member in clients
            if can(Actor(user=member.user, team=None, client=member), "thread.view", thread)
        ]
    return sorted(people, key=lambda user: (user.full_name or user.email).lower())


def _item_field(item) -> str | None:
    """The Thread field that points at ``item``; None for a company (a general thread)."""
    if isinstance(item, ClientCompany):
        return None
    for field in ITEM_FIELDS:
        if isinstance(item, Thread._meta.get_field(field).related_model):
            return field
    raise TypeError(f"Threads cannot be about {type(item).__name__}")


def thread_key(item, is_internal: bool) -> dict:
    field = _item_field(item)
    company_id = item.pk if field is None else item.company_id
    key = {f"{other}__isnull": True for other in ITEM_FIELDS if other != field}
    if field is not None:
        key[field] = item
    return key | {"company_id": company_id, "is_internal": is_internal}


def thread_for(item, *, is_internal: bool = False) -> Thread:
    """The thread about ``item`` (a ClientCompany, a request, document, approval or invoice)
    on that side, or an unsaved one its first message will start. Ask the policy about it
    either way ("thread.view", "thread.post")."""
    key = thread_key(item, is_internal)
    existing = Thread.objects.filter(**key).first()
    if existing is not None:
        return existing
    field = _item_field(item)
    company = item if field is None else item.company
    return Thread(company=company, is_internal=is_internal, **({field: item} if field else {}))


def item_of(about: str, item_id: int, *, is_internal: bool) -> Thread | None:
    """``thread_for`` the company or item named by ``about`` and its id; None if no such."""
    if about not in About.values:
        return None
    model = ClientCompany if about == About.COMPANY else Thread._meta.get_field(about).related_model
    item = model.objects.filter(pk=item_id).first()
    return None if item is None else thread_for(item, is_internal=is_internal)


def read_mark_of(thread: Thread, user) -> int:
    """The newest message ``user`` has read in ``thread`` (0: none)."""
    marks = ThreadReadState.objects.filter(thread=thread, user=user)
    return marks.values_list("last_read_message_id", flat=True).first() or 0


def about_filter(about: str) -> Q:
    """Threads about that kind of thing ("company": general conversations)."""
    if about == About.COMPANY:
        return Q(**{f"{field}__isnull": True for field in ITEM_FIELDS})
    return Q(**{f"{about}__isnull": False})


def inbox_threads(
    actor: Actor, *, q: str = "", company=None, about: str | None = None, unread: bool = False
):
    """The inbox: threads ``actor`` may read, newest activity first, each with ``unread`` and
    its last message's words and author. One query, however many threads."""
    last = Message.objects.filter(thread=OuterRef("pk")).order_by("-id")
    threads = with_unread(visible_threads(actor), actor.user).annotate(
        last_body=Subquery(last.values("body")[:1]),
        last_author=Subquery(last.values("author__full_name")[:1]),
    )
    if q:
        said = Message.objects.filter(thread=OuterRef("pk"), body__icontains=q)
        threads = threads.filter(Exists(said) | Q(company__name__icontains=q))
    if company is not None:
        threads = threads.filter(company=company)
    if about is not None:
        threads = threads.filter(about_filter(about))
    if unread:
        threads = threads.filter(unread__gt=0)
    return threads


def company_threads(actor: Actor, company: ClientCompany, *, limit: int) -> Sample:
    """``company``'s threads that ``actor`` may read, as the inbox shows them (newest activity
    first), with how many hold messages ``actor`` has not read (one query)."""
    return sample(inbox_threads(actor, company=company), limit, unread=Q(unread__gt=0))
