"""The email that tells a sender their emailed reply was not posted. (Emails about messages
are the notifications app's, with the reply address of email_replies.)"""

from django.core.mail import EmailMultiAlternatives

from branding.emails import branded_email


def refusal_notice(*, to: str, refusal) -> EmailMultiAlternatives:
    """To ``to``, in the agency's name: why their emailed reply was not posted.

    It quotes nothing of the conversation: the sender may not be someone allowed to read it.
    Marked Auto-Submitted so that no auto-responder answers it back.
    """
    email = branded_email(
        to=[to],
        subject_template="messaging/emails/reply_refused_subject.txt",
        text_template="messaging/emails/reply_refused.txt",
        context={"reason": refusal.value},
    )
    email.extra_headers["Auto-Submitted"] = "auto-replied"
    return email
