from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "sscard.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # A proposal's secret (a corrected ID number) is wrapped under the field key's
        # versions: rotation re-wraps it as it does the CAs' keys.
        from sscard.core.approvals import approval_secret_labels
        from sscard.core.keys import register_wrapped_secrets
        from sscard.core.models import Approval

        register_wrapped_secrets(
            Approval,
            "secret",
            approval_secret_labels,
            fields=("kind", "subject_type", "subject_id"),
        )
