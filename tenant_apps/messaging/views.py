"""Conversation pages: the inbox of threads, a thread (live while it is open), and the panel
that item pages embed (messaging/thread_panel.html). Policy decides; actions write.

A conversation is one partial (conversation.html#conversation) wherever it shows. Posting
answers with the whole conversation, fresh form included; while it is open, a poller asks
every few seconds for messages after the newest it has (and edits since it last asked), and
gets 204 when there are none, so an idle thread costs one indexed query per poll.
"""

from datetime import datetime
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tenant_apps.files.responses import file_download_response
from tenant_apps.kit.access import actor_for, can, permission_required, require
from tenant_apps.kit.htmx import is_htmx, list_template
from tenant_apps.messaging import actions
from tenant_apps.messaging.forms import EditForm, InboxForm, MessageForm
from tenant_apps.messaging.models import About, MessageAttachment, Thread
from tenant_apps.messaging.selectors import (
    inbox_threads,
    item_of,
    people_who_may_see,
    read_mark_of,
    thread_messages,
    visible_threads,
)
from tenant_apps.people.selectors import visible_companies

PAGE_SIZE = 25
MESSAGES_SHOWN = 50  # a thread opens on its newest; "Show earlier messages" loads the rest
POLL_SECONDS = 3
# Each item's page, by what a thread is about: "Open the request" from its thread.
ITEM_PAGES = {
    About.COMPANY: "people:company",
    About.REQUEST: "client_requests:detail",
    About.DOCUMENT: "documents:document",
    About.APPROVAL: "approvals:detail",
    About.INVOICE: "invoices:detail",
}


def _quiet_when_signed_out(status: int):
    """For parts htmx loads into a page that stays open (the panel, the poller): when the
    person is signed out (or outside the item of a single-purpose link's session), answer
    ``status`` with nothing to swap in, not a sign-in page inside the page. 286 stops a
    poller. Without htmx it is an ordinary page: sign in first."""

    def decorator(view):
        guarded = permission_required("workspace.use")(view)

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if is_htmx(request) and not request.user.is_authenticated:
                return HttpResponse(status=status)
            return guarded(request, *args, **kwargs)

        return wrapped

    return decorator


def _visible_thread(request, thread_id) -> Thread:
    """The thread if this person may read it at all; otherwise it does not exist (404)."""
    actor = actor_for(request)
    thread = get_object_or_404(visible_threads(actor), pk=thread_id)
    require(actor, "thread.view", thread, request=request)
    return thread


def _item_thread(request, about, item_id) -> Thread:
    """The thread about an item on the side ``?internal=1`` asks for, perhaps not started
    yet; 404 unless this person may read it (a client asking for the internal one too)."""
    internal = request.GET.get("internal") == "1"
    thread = item_of(about, item_id, is_internal=internal)
    if thread is None or not can(actor_for(request), "thread.view", thread):
        raise Http404("No such conversation.")
    return thread


def item_page(thread: Thread) -> str | None:
    """The page of what ``thread`` is about, when that page exists."""
    try:
        return reverse(ITEM_PAGES[thread.about], args=[thread.item.pk])
    except NoReverseMatch:
        return None


def _key(thread: Thread) -> str:
    """An id for the conversation's elements, the same before and after it starts."""
    return f"{thread.about}-{thread.item.pk}{'-internal' if thread.is_internal else ''}"


def _panel_url(about: str, item_id: int, *, internal: bool) -> str:
    url = reverse("messaging:panel", args=[about, item_id])
    return f"{url}?internal=1" if internal else url


def _poll_url(thread: Thread, first_id: int, last_id: int) -> str:
    """Asks for messages after ``last_id``, and edits since now of those from ``first_id``
    (the ones on the page)."""
    query = urlencode({"first": first_id, "after": last_id, "since": timezone.now().isoformat()})
    return f"{reverse('messaging:poll', args=[thread.pk])}?{query}"


def _conversation(request, thread: Thread, *, form=None) -> dict:
    """Everything conversation.html#conversation shows; reading it marks it read."""
    actor = actor_for(request)
    key = _key(thread)
    shown, read_mark, has_earlier = [], 0, False
    if thread.pk is not None:
        read_mark = read_mark_of(thread, actor.user)
        newest = list(thread_messages(thread).order_by("-id")[: MESSAGES_SHOWN + 1])
        has_earlier = len(newest) > MESSAGES_SHOWN
        shown = newest[:MESSAGES_SHOWN][::-1]
    first_id, last_id = (shown[0].pk, shown[-1].pk) if shown else (0, 0)
    if last_id > read_mark:
        actions.thread_mark_read(thread=thread, user=actor.user, up_to=last_id)
    may_post = can(actor, "thread.post", thread)
    return {
        "actor": actor,
        "thread": thread,
        "key": key,
        "thread_messages": shown,
        "read_mark": read_mark,
        "has_earlier": has_earlier,
        "may_post": may_post,
        "form": form or (MessageForm(key=key) if may_post else None),
        "post_url": (
            reverse("messaging:post", args=[thread.pk])
            if thread.pk
            else _panel_url(thread.about, thread.item.pk, internal=thread.is_internal)
        ),
        "poll_url": _poll_url(thread, first_id, last_id) if thread.pk else "",
        "poll_seconds": POLL_SECONDS,
        "readers": people_who_may_see(thread) if may_post else [],
        "item_url": item_page(thread),
    }


def _page(request, thread: Thread, *, form=None):
    return render(request, "messaging/thread.html", _conversation(request, thread, form=form))


@permission_required("workspace.use")
def inbox(request):
    actor = actor_for(request)
    form = InboxForm(request.GET, companies=visible_companies(actor) if actor.is_team else None)
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    threads = inbox_threads(
        actor, q=data.get("q", ""), company=data.get("company"), unread=data.get("unread", False)
    )
    page = Paginator(threads, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"actor": actor, "form": form, "page": page, "page_query": query.urlencode()}
    template = list_template(request, "messaging/inbox.html", results="thread-results")
    return render(request, template, context, status=200 if valid or is_htmx(request) else 400)


@permission_required("workspace.use")
def thread_detail(request, thread_id):
    thread = _visible_thread(request, thread_id)
    before = request.GET.get("before", "")
    if not before:
        return _page(request, thread)
    # "Show earlier messages": the ones before ``before``, put above the others in place.
    if not before.isdecimal():
        return HttpResponseBadRequest("before: give a message id.")
    actor = actor_for(request)
    earlier = thread_messages(thread).filter(id__lt=int(before)).order_by("-id")
    earlier = list(earlier[: MESSAGES_SHOWN + 1])
    context = {
        "actor": actor,
        "thread": thread,
        "thread_messages": earlier[:MESSAGES_SHOWN][::-1],
        "has_earlier": len(earlier) > MESSAGES_SHOWN,
        "read_mark": read_mark_of(thread, actor.user),
        "may_post": can(actor, "thread.post", thread),
    }
    return render(request, "messaging/conversation.html#earlier", context)


def _post(request, thread: Thread):
    """Post the form's message to ``thread`` (starting it if need be); answer with the
    conversation (htmx) or the thread's page."""
    actor = actor_for(request)
    require(actor, "thread.post", thread, request=request)
    form = MessageForm(request.POST, request.FILES, key=_key(thread))
    if form.is_valid():
        try:
            message = actions.message_post(
                thread=thread,
                author=actor.user,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
                request=request,
            )
        except ValidationError as refused:  # a mention, or a file refused while stored
            form.add_error(None, refused)
        else:
            if not is_htmx(request):
                flash.success(request, "Message sent.")
                return redirect("messaging:thread", message.thread_id)
            thread, form = message.thread, None
    if not is_htmx(request):
        return _page(request, thread, form=form)
    return render(
        request,
        "messaging/conversation.html#conversation",
        _conversation(request, thread, form=form),
    )


@require_POST
@permission_required("workspace.use")
def message_create(request, thread_id):
    return _post(request, _visible_thread(request, thread_id))


@_quiet_when_signed_out(204)
def panel(request, about, item_id):
    """GET: the conversation about an item, for its page to show (or, without htmx, as a
    page of its own). POST: a message to it, starting it with the first."""
    thread = _item_thread(request, about, item_id)
    if request.method == "POST":
        return _post(request, thread)
    if not is_htmx(request):
        return _page(request, thread)
    context = _conversation(request, thread) | {
        # The team switches between the client's conversation and their own about it.
        "tabs": actor_for(request).is_team,
        "shared_url": _panel_url(about, item_id, internal=False),
        "internal_url": _panel_url(about, item_id, internal=True),
    }
    return render(request, "messaging/conversation.html#panel", context)


def _since(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else None


@_quiet_when_signed_out(286)
def poll(request, thread_id):
    """Messages after ``after``, and those from ``first`` edited after ``since``, swapped into
    the open conversation, with a poller that asks from there on; 204 when there are none."""
    thread = _visible_thread(request, thread_id)
    first, after = request.GET.get("first", ""), request.GET.get("after", "")
    since = _since(request.GET.get("since", ""))
    if not (first.isdecimal() and after.isdecimal()) or since is None:
        return HttpResponseBadRequest("Give first and after (message ids) and since (ISO time).")
    first, after = int(first), int(after)
    changed = list(
        thread_messages(thread)
        .filter(Q(id__gt=after) | Q(id__gte=first, edited_at__gt=since))
        .order_by("id")
    )
    if not changed:
        return HttpResponse(status=204)
    actor = actor_for(request)
    last_id = max(after, changed[-1].pk)
    actions.thread_mark_read(thread=thread, user=actor.user, up_to=last_id)
    context = {
        "actor": actor,
        "thread": thread,
        "key": _key(thread),
        "new": [message for message in changed if message.pk > after],
        "edited": [message for message in changed if message.pk <= after],
        "read_mark": after,
        "may_post": can(actor, "thread.post", thread),
        "poll_url": _poll_url(thread, first or changed[0].pk, last_id),
        "poll_seconds": POLL_SECONDS,
    }
    return render(request, "messaging/conversation.html#poll_update", context)


def _own_message(request, thread_id, message_id):
    thread = _visible_thread(request, thread_id)
    message = get_object_or_404(thread_messages(thread), pk=message_id)
    return thread, message


@permission_required("workspace.use")
def message_detail(request, thread_id, message_id):
    """One message as the conversation shows it (an edit form's "Cancel" puts it back)."""
    thread, message = _own_message(request, thread_id, message_id)
    actor = actor_for(request)
    context = {
        "actor": actor,
        "thread": thread,
        "message": message,
        "read_mark": message.pk,  # shown again after an edit, never as new
        "may_post": can(actor, "thread.post", thread),
    }
    return render(request, "messaging/conversation.html#message", context)


@permission_required("workspace.use")
def message_edit(request, thread_id, message_id):
    thread, message = _own_message(request, thread_id, message_id)
    actor = actor_for(request)
    require(actor, "message.edit", message, request=request)
    form = EditForm(
        request.POST if request.method == "POST" else None,
        initial={"body": message.body},
        message_id=message.pk,
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.message_edit(
                message=message,
                body=form.cleaned_data["body"],
                actor=actor.user,
                request=request,
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            if not is_htmx(request):
                flash.success(request, "Message edited.")
                thread_url = reverse("messaging:thread", args=[thread.pk])
                return redirect(f"{thread_url}#message-{message.pk}")
            return message_detail(request, thread_id, message_id)
    context = {"actor": actor, "thread": thread, "message": message, "form": form}
    template = (
        "messaging/conversation.html#edit_form" if is_htmx(request) else "messaging/edit.html"
    )
    return render(request, template, context)


@permission_required("workspace.use")
def attachment_download(request, thread_id, attachment_id):
    thread = _visible_thread(request, thread_id)
    attachment = get_object_or_404(
        MessageAttachment.objects.select_related("file"), pk=attachment_id, message__thread=thread
    )
    return file_download_response(attachment.file)
