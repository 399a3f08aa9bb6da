"""Saved replies: the team's shared ones and each member's own, kept in settings."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tenant_apps.kit.access import actor_for, can, permission_required
from tenant_apps.replies import actions
from tenant_apps.replies.forms import SavedReplyForm
from tenant_apps.replies.selectors import replies_editable_by, replies_for


def _posted(request):
    return request.POST if request.method == "POST" else None


def _fields(form) -> dict:
    data = form.cleaned_data
    return {"title": data["title"], "body": data["body"], "shared": data.get("shared", False)}


@permission_required("replies.use")
def reply_list(request):
    actor = actor_for(request)
    form = SavedReplyForm(_posted(request), may_share=can(actor, "replies.share"))
    if request.method == "POST" and form.is_valid():
        try:
            actions.saved_reply_create(**_fields(form), actor=actor.user, request=request)
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, "Reply saved. Insert it from any request's reply box.")
            return redirect("replies:list")
    context = {
        "actor": actor,
        "replies": replies_for(actor).select_related("owner"),
        "editable": set(replies_editable_by(actor).values_list("pk", flat=True)),
        "form": form,
    }
    return render(request, "replies/list.html", context)


@permission_required("replies.use")
def reply_detail(request, reply_id):
    actor = actor_for(request)
    reply = get_object_or_404(replies_editable_by(actor), pk=reply_id)
    may_share = can(actor, "replies.share")
    initial = {"title": reply.title, "body": reply.body, "shared": reply.is_shared}
    form = SavedReplyForm(_posted(request), initial=initial, may_share=may_share)
    if request.method == "POST" and form.is_valid():
        fields = _fields(form) | ({} if may_share else {"shared": reply.is_shared})
        try:
            actions.saved_reply_update(reply=reply, **fields, actor=actor.user, request=request)
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, "Saved reply changed.")
            return redirect("replies:list")
    return render(request, "replies/detail.html", {"reply": reply, "form": form})


@require_POST
@permission_required("replies.use")
def reply_delete(request, reply_id):
    actor = actor_for(request)
    reply = get_object_or_404(replies_editable_by(actor), pk=reply_id)
    actions.saved_reply_delete(reply=reply, actor=actor.user, request=request)
    messages.success(request, f"Saved reply “{reply.title}” removed.")
    return redirect("replies:list")
