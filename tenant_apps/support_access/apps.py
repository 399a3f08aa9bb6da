from django.apps import AppConfig


class SupportAccessConfig(AppConfig):
    name = "tenant_apps.support_access"
    label = "support_access"

    def ready(self):
        from operators.impersonation import session_ended, session_started
        from tenant_apps.support_access import receivers

        session_started.connect(receivers.on_session_started, dispatch_uid="support_access")
        session_ended.connect(receivers.on_session_ended, dispatch_uid="support_access")
