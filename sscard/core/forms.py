"""What every form of the pages shares."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

# Django's own message repeats the value posted ("post is not one of the available choices"),
# which is a code; a person reads that the choice is not among those offered.
NOT_OFFERED = _("Choose one of the options offered.")


def choices_say_not_offered(form: forms.BaseForm) -> None:
    """Refuse a choice outside a field's options with ``NOT_OFFERED`` (a field that has a
    message of its own keeps it); call at the end of the form's ``__init__``."""
    for field in form.fields.values():
        if isinstance(field, forms.ChoiceField):
            default = forms.ChoiceField.default_error_messages["invalid_choice"]
            if field.error_messages.get("invalid_choice") == default:
                field.error_messages["invalid_choice"] = NOT_OFFERED
