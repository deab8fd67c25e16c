from django import forms
from django.utils.translation import gettext_lazy as _

from contactcenter.models import Organization
from contactcenter.services.policies import AGENT_TOGGLES, ORGANIZATION_TOGGLES, SUPERVISOR_TOGGLES, TOGGLES

# GoTo's "Funciones y permisos" wording, shown on the page and in the summary of changes.
LABELS = {
    "allow_unassigned_queue_login": _("Allow agents to log in to unassigned queues"),
    "supervisors_access_config": _("Access the configuration portal"),
    "supervisors_limited_to_assigned_queues": _("Limit access to assigned queues"),
    "supervisors_manage_queue_settings": _("Manage queue settings"),
    "supervisors_view_pause_reasons": _("View pause reasons"),
    "supervisors_manage_pause_reasons": _("Manage pause reasons"),
    "supervisors_view_skills": _("View skills and skill assignment"),
    "supervisors_manage_skills": _("Manage skills and skill assignment"),
    "supervisors_end_after_service": _("End an agent's after service early"),
    "supervisors_view_reports": _("View reports"),
    "agents_manage_prerecorded": _("Manage pre-recorded messages"),
    "agents_manage_public_canned": _("Manage public pre-written messages (canned responses)"),
    "agents_create_tags": _("Create custom tags"),
    "dispositions_enabled": _("Enable call dispositions"),
}
HELP = {
    "supervisors_limited_to_assigned_queues": _(
        "On: supervisors see and act only on the queues they are assigned to as supervisors. "
        "Off: on every queue of the organization."),
    "dispositions_enabled": _("Applies only to queues with after-service time."),
    "supervisors_view_reports": _("The historical reports of the queues and agents they may see."),
}


class PermissionsForm(forms.Form):
    """Every toggle is a checkbox: an unticked one is off, so the form is complete without JS."""

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        for name in TOGGLES:
            self.fields[name] = forms.BooleanField(
                label=LABELS[name], help_text=HELP.get(name, ""), required=False,
                initial=getattr(organization, name),
                widget=forms.CheckboxInput(attrs={"role": "switch", "data-testid": f"toggle-{name}"}),
            )

    def group(self, names):
        return [self[name] for name in names]

    @property
    def organization_fields(self):
        return self.group(ORGANIZATION_TOGGLES)

    @property
    def supervisor_fields(self):
        return self.group(SUPERVISOR_TOGGLES)

    @property
    def agent_fields(self):
        return self.group(AGENT_TOGGLES)
