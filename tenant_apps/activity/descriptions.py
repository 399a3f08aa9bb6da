"""What each action code means, in words. Add a line when you add an action; a code
missing here still shows, as itself."""

from typing import NamedTuple


class Action(NamedTuple):
    label: str  # names the kind of action, e.g. in the log's filter
    text: str  # describes one entry; "{object}" becomes the entry's object label


ACTIONS = {
    "auth.signed_in": Action("Sign-in", "Signed in"),
    "auth.sign_in_failed": Action("Failed sign-in", "Failed to sign in"),
    "auth.locked_out": Action("Lockout", "Was locked out after repeated failed sign-ins"),
    "auth.signed_out": Action("Sign-out", "Signed out"),
    "auth.magic_link_sent": Action("Sign-in link sent", "Was sent an emailed sign-in link"),
    "auth.magic_link_used": Action("Sign-in link used", "Signed in with an emailed link"),
    "auth.password_changed": Action("Password changed", "Changed their password"),
    "auth.password_reset_requested": Action("Password reset asked", "Asked for a password reset"),
    "auth.two_factor_enabled": Action("Two-factor on", "Turned on two-factor sign-in"),
    "auth.two_factor_disabled": Action("Two-factor off", "Turned off two-factor sign-in"),
    "auth.two_factor_failed": Action("Wrong two-factor code", "Entered a wrong two-factor code"),
    "auth.recovery_codes_regenerated": Action(
        "Recovery codes renewed", "Made new two-factor recovery codes"
    ),
    "auth.session_ended": Action("Session ended", "Ended a signed-in session"),
    "auth.sessions_ended": Action("Signed out everywhere", "Signed out of every session"),
    "auth.user_deactivated": Action("Person deactivated", "Deactivated {object}"),
    "security.policy_changed": Action("Security policy changed", "Changed the security policy"),
    "access.denied": Action("Access refused", "Was refused access"),
    "invitation.created": Action("Invitation sent", "Sent an invitation"),
    "invitation.accepted": Action("Invitation accepted", "Accepted an invitation"),
    "invitation.revoked": Action("Invitation revoked", "Revoked an invitation"),
    "team.owner_created": Action("Workspace created", "Created the workspace as its owner"),
    "team.member_added": Action("Team member added", "Added {object} to the team"),
    "team.role_changed": Action("Team role changed", "Changed the team role of {object}"),
    "team.assignments_changed": Action(
        "Staff assignments changed", "Changed which clients {object} works on"
    ),
    "client.company_created": Action("Client company added", "Added the client company {object}"),
    "client.person_added": Action("Client person added", "Added {object} to a client company"),
    "client.role_changed": Action("Client role changed", "Changed the client role of {object}"),
    "activity.exported": Action("Log exported", "Exported the activity log"),
    "sla.policy_updated": Action("SLA policy changed", "Changed the SLA policy"),
    "sla.holiday_added": Action("Holiday added", "Added the holiday {object}"),
    "sla.holiday_removed": Action("Holiday removed", "Removed the holiday {object}"),
    "request.submitted": Action("Request submitted", "Submitted the request {object}"),
    "request.assigned": Action("Request assigned", "Changed the owner of {object}"),
    "request.status_changed": Action("Request status changed", "Changed the status of {object}"),
    "request.updated": Action("Request planning changed", "Changed the planning of {object}"),
    "request.replied": Action("Request replied", "Replied on {object}"),
    "request.note_added": Action("Internal note", "Wrote an internal note on {object}"),
    "request.files_added": Action("Request files added", "Added files to {object}"),
    "documents.folder_created": Action("Folder created", "Created the folder {object}"),
    "documents.uploaded": Action("Document uploaded", "Uploaded {object}"),
    "documents.version_added": Action("New version", "Uploaded a new version of {object}"),
    "approval.requested": Action("Approval requested", "Asked for approval: {object}"),
    "approval.decided": Action("Approval decision", "Decided on the approval {object}"),
    "approval.completed": Action("Approval completed", "Completed the approval {object}"),
    "approval.superseded": Action(
        "Approval superseded", "Superseded the approval {object} with a new version"
    ),
    "approval.cancelled": Action("Approval cancelled", "Cancelled the approval {object}"),
    "documents.updated": Action("Document details changed", "Changed the details of {object}"),
    "invoice.created": Action("Invoice created", "Created {object}"),
    "invoice.uploaded": Action("Invoice uploaded", "Uploaded {object}"),
    "invoice.updated": Action("Invoice changed", "Changed the draft {object}"),
    "invoice.sent": Action("Invoice sent", "Sent {object}"),
    "invoice.payment_reported": Action("Payment reported", "Reported paying {object}"),
    "invoice.payment_not_received": Action("Payment not received", "Found no payment for {object}"),
    "invoice.marked_paid": Action("Invoice paid", "Marked {object} paid"),
    "invoice.voided": Action("Invoice voided", "Voided {object}"),
    "invoice.became_overdue": Action("Invoice overdue", "{object} became overdue"),
    "file_request.created": Action("File requested", "Asked for a file: {object}"),
    "file_request.fulfilled": Action(
        "File request fulfilled", "Uploaded the file asked for: {object}"
    ),
    "file_request.cancelled": Action(
        "File request cancelled", "Cancelled the file request {object}"
    ),
    "thread.started": Action("Conversation started", "Started the conversation {object}"),
    "message.posted": Action("Message", "Wrote in {object}"),
    "message.edited": Action("Message edited", "Edited a message in {object}"),
    "notifications.preferences_updated": Action(
        "Notification settings changed", "Changed their notification settings"
    ),
    "action_link.used": Action("Emailed link used", "Opened {object} from an emailed link"),
    "action_link.revoked": Action("Emailed link withdrawn", "Withdrew an emailed link"),
    "webhook.created": Action("Webhook added", "Added the webhook {object}"),
    "webhook.updated": Action("Webhook changed", "Changed the webhook {object}"),
    "webhook.deleted": Action("Webhook removed", "Removed the webhook {object}"),
    "webhook.secret_rotated": Action("Webhook secret renewed", "Renewed the secret of {object}"),
    "webhook.pinged": Action("Webhook tested", "Sent a test event to {object}"),
    "webhook.redelivered": Action("Webhook redelivered", "Sent an event to {object} again"),
    "brand.updated": Action("Branding changed", "Changed the portal's branding"),
    "domain.added": Action("Domain added", "Added the domain {object}"),
    "domain.verified": Action("Domain verified", "Verified the domain {object}"),
    "domain.made_primary": Action("Primary domain", "Made {object} the primary domain"),
    "domain.removed": Action("Domain removed", "Removed the domain {object}"),
    "billing.checkout_started": Action("Checkout started", "Started subscribing"),
    "billing.portal_opened": Action("Billing portal opened", "Opened the billing portal"),
    "billing.subscription_changed": Action("Subscription changed", "The subscription changed"),
    "request_type.created": Action("Request type added", "Added the request type {object}"),
    "request_type.updated": Action("Request type changed", "Changed the request type {object}"),
    "milestone.posted": Action("Milestone posted", "Posted the milestone {object}"),
    "milestone.updated": Action("Milestone changed", "Changed the milestone {object}"),
    "milestone.status_changed": Action(
        "Milestone status changed", "Changed the status of the milestone {object}"
    ),
    "milestone.moved": Action("Milestone moved", "Moved the milestone {object}"),
    "milestone.removed": Action("Milestone removed", "Removed the milestone {object}"),
    "weekly_report.switched": Action(
        "Weekly client report switched", "Switched the weekly client report on or off"
    ),
}


def describe(action: str, object_label: str) -> str:
    known = ACTIONS.get(action)
    if known is None:
        return action
    return known.text.format(object=object_label or "someone")


def _shown(value) -> str:
    if value is None or value == []:
        return "none"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def change_lines(changes: dict) -> list[str]:
    """``{"role": ["staff", "admin"]}`` → ``["role: staff → admin"]``; a two-item list is
    the [before, after] pair activity_record's callers pass, anything else a plain value."""
    lines = []
    for key, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            lines.append(f"{key}: {_shown(value[0])} → {_shown(value[1])}")
        else:
            lines.append(f"{key}: {_shown(value)}")
    return lines
