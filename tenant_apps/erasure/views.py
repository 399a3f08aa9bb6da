"""The page that erases a person, after saying what goes and what stays."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from tenant_apps.erasure.actions import person_erase
from tenant_apps.erasure.forms import EraseForm
from tenant_apps.erasure.selectors import people_visible
from tenant_apps.kit.access import actor_for, permission_required, require


def _back(person) -> str:
    """Where the person was listed: their company's people, else the team."""
    member = getattr(person, "client_member", None)
    if member is not None:
        return reverse("people:company", args=[member.company_id])
    return reverse("people:team")


@permission_required("workspace.use")
def confirm(request, user_id):
    actor = actor_for(request)
    person = get_object_or_404(people_visible(actor), pk=user_id)
    require(actor, "person.erase", person, request=request)
    back = _back(person)
    form = EraseForm(request.POST if request.method == "POST" else None, person=person)
    if form.is_valid():
        name = person.full_name
        try:
            erased = person_erase(person=person, actor=actor.user, request=request)
        except ValidationError as refused:
            form.add_error(None, refused.messages)
        else:
            messages.success(request, f"{name}'s personal data was erased; now {erased}.")
            return redirect(back)
    context = {"actor": actor, "person": person, "form": form, "back": back}
    return render(request, "erasure/confirm.html", context)
