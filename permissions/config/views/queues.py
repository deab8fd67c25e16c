"""The Queues section of the configuration portal and its members (add, remove, order)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from contactcenter.models import QueueMembership
from contactcenter.services import policies
from contactcenter.services import queues as queue_services
from permissions.config import forms
from permissions.config.views.sections import (
    Section,
    back,
    form_errors,
    is_admin,
    object_for,
    register,
    section_for,
    sub_action,
    yes_no,
)


def _members_context(request, queue) -> dict:
    members = queue.memberships.select_related("user").order_by("role", "position", "id")
    return {"members": members, "member_form": forms.MemberForm(organization=request.user.organization),
            "may_members": policies.can_manage_queue_members(request.user, queue)}


QUEUES = register(Section(
    key="queues", title=gettext_lazy("Queues"), new_label=gettext_lazy("New queue"), form=forms.QueueForm,
    queryset=lambda user: policies.supervised_queues(user).prefetch_related("required_skills"),
    columns=(
        (gettext_lazy("Name"), lambda q: q.name),
        (gettext_lazy("Kind"), lambda q: q.get_kind_display()),
        (gettext_lazy("Routing strategy"), lambda q: q.get_strategy_display()),
        (gettext_lazy("Capacity"), lambda q: q.effective_capacity),
        (gettext_lazy("After service"), lambda q: f"{q.after_service_seconds} s"),
        (gettext_lazy("Active"), lambda q: yes_no(q.is_active)),
    ),
    may_view=policies.can_view_queue_settings, may_manage=policies.can_manage_queue_settings,
    may_create=is_admin, may_delete=is_admin,
    save=lambda request, obj, data: queue_services.queue_save(by=request.user, queue=obj, **data),
    delete=lambda user, obj: queue_services.queue_delete(by=user, queue=obj),
    extra="config/_queue_members.html", extra_context=_members_context,
))


def _queue(request, pk: int):
    return object_for(request.user, section_for(request.user, QUEUES.key), pk)


def _membership(request, pk: int, membership_id: int) -> QueueMembership:
    membership = _queue(request, pk).memberships.select_related("user", "queue").filter(pk=membership_id).first()
    if membership is None:
        raise Http404
    return membership


@login_required
@require_POST
def member_add(request, pk):
    queue = _queue(request, pk)
    form = forms.MemberForm(request.POST, organization=request.user.organization)
    if not form.is_valid():
        return back(request, QUEUES, pk, error=form_errors(form))

    def add():
        membership = queue_services.queue_member_add(by=request.user, queue=queue, **form.cleaned_data)
        return _("%(user)s was added to %(queue)s as %(role)s.") % {
            "user": membership.user.display_name, "queue": queue.name, "role": membership.get_role_display()}

    return sub_action(request, QUEUES, pk, add)


@login_required
@require_POST
def member_remove(request, pk, membership_id):
    membership = _membership(request, pk, membership_id)

    def remove():
        queue_services.queue_member_remove(queue=membership.queue, user=membership.user, role=membership.role,
                                           by=request.user)
        return _("%(user)s is no longer a member of %(queue)s.") % {
            "user": membership.user.display_name, "queue": membership.queue.name}

    return sub_action(request, QUEUES, pk, remove)


@login_required
@require_POST
def member_move(request, pk, membership_id):
    membership = _membership(request, pk, membership_id)
    up = request.POST.get("direction") != "down"

    def move():
        queue_services.queue_member_move(by=request.user, membership=membership, up=up)
        return _("The order of %(queue)s was saved.") % {"queue": membership.queue.name}

    return sub_action(request, QUEUES, pk, move)
