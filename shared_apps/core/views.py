import re

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override

from shared_apps.core.dev_mail import kept_email, kept_emails, kept_folder

# After the doctype (before it would mean quirks mode): the parser moves it into the head,
# so the framed email's links open a new tab instead of navigating the sandboxed frame.
DOCTYPE = re.compile(r"\s*<!doctype[^>]*>", re.IGNORECASE)
NEW_TAB = '<base target="_blank">'


def landing(request):
    return render(request, "core/landing.html")


def _dev_mail_folder():
    """The folder the DevMailBackend keeps emails in; 404 unless DEBUG (it is no production
    page) and when mail goes anywhere else."""
    folder = kept_folder() if settings.DEBUG else None
    if folder is None:
        raise Http404("No development mailbox here.")
    return folder


def dev_mailbox(request):
    """Development only: the emails sent, newest first, with their links."""
    folder = _dev_mail_folder()
    return render(request, "core/dev_mailbox.html", {"emails": kept_emails(folder)})


@xframe_options_sameorigin
@csp_override(
    {
        # The email as a mail client shows it: inline styles and remote images, never a
        # script (sandboxed, an origin of its own); its links open in a new tab.
        "default-src": [CSP.NONE],
        "style-src": [CSP.UNSAFE_INLINE],
        "img-src": ["http:", "https:", "data:"],
        "frame-ancestors": [CSP.SELF],
        "form-action": [CSP.NONE],
        "sandbox": ["allow-popups", "allow-popups-to-escape-sandbox"],
    }
)
def dev_mail_html(request, name):
    """Development only: the HTML part of one kept email, for the mailbox's frame."""
    email = kept_email(_dev_mail_folder(), name)
    if email is None or not email.html:
        raise Http404("No such email.")
    doctype = DOCTYPE.match(email.html)
    at = doctype.end() if doctype else 0
    return HttpResponse(email.html[:at] + NEW_TAB + email.html[at:])
