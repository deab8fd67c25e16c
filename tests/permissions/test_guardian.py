"""Supervisor queue membership grants the guardian object permission on that queue; removing it
revokes it. "Limit access to assigned queues" switches supervisors between those object
permissions and organization-wide access."""

import importlib

import pytest
from django.apps import apps
from django.http import Http404
from guardian.models import UserObjectPermission

from contactcenter.models import Organization, QueueMembership, Role, User
from contactcenter.services import queues as queue_services
from contactcenter.services.policies import SUPERVISE_QUEUE, user_can_supervise_queue
from permissions import access
from tests import factories as f


def fresh(user: User) -> User:
    return User.objects.select_related("organization").get(pk=user.pk)


def has_object_permission(user, queue) -> bool:
    return fresh(user).has_perm(SUPERVISE_QUEUE, queue)


def test_a_supervisor_membership_grants_the_object_permission(personas):
    assert not has_object_permission(personas.supervisor, personas.other_queue)
    queue_services.queue_member_add(queue=personas.other_queue, user=personas.supervisor, role="supervisor")
    assert has_object_permission(personas.supervisor, personas.other_queue)


def test_removing_the_supervisor_membership_revokes_it(personas):
    assert has_object_permission(personas.supervisor, personas.queue)
    queue_services.queue_member_remove(queue=personas.queue, user=personas.supervisor, role="supervisor")
    assert not has_object_permission(personas.supervisor, personas.queue)


def test_an_agent_membership_grants_nothing(personas):
    assert not has_object_permission(personas.agent, personas.queue)
    assert not UserObjectPermission.objects.filter(user=personas.agent).exists()


def test_removing_an_agent_membership_keeps_the_supervisor_permission_on_the_same_queue(personas):
    queue_services.queue_member_add(queue=personas.queue, user=personas.supervisor, role="agent")
    queue_services.queue_member_remove(queue=personas.queue, user=personas.supervisor, role="agent")
    assert has_object_permission(personas.supervisor, personas.queue)


def test_changing_a_membership_from_supervisor_to_agent_revokes_it(personas):
    membership = QueueMembership.objects.get(queue=personas.queue, user=personas.supervisor)
    membership.role = QueueMembership.Role.AGENT
    membership.save()
    assert not has_object_permission(personas.supervisor, personas.queue)


def test_deleting_a_queue_leaves_no_permission_rows_behind(personas):
    queue_pk = personas.queue.pk
    personas.queue.delete()
    assert not UserObjectPermission.objects.filter(object_pk=str(queue_pk)).exists()


def test_the_permission_is_per_queue(personas):
    assert has_object_permission(personas.supervisor, personas.queue)
    assert not has_object_permission(personas.supervisor, personas.other_queue)


def test_limited_supervisor_reaches_only_the_queues_they_hold_the_permission_on(personas):
    supervisor = fresh(personas.supervisor)
    assert access.queue_for_supervisor(supervisor, personas.queue.pk) == personas.queue
    with pytest.raises(Http404):
        access.queue_for_supervisor(supervisor, personas.other_queue.pk)
    assert access.supervised_queue_ids(supervisor) == [personas.queue.pk]


def test_a_revoked_supervisor_loses_the_queue_at_once(personas):
    supervisor = fresh(personas.supervisor)
    queue_services.queue_member_remove(queue=personas.queue, user=supervisor, role="supervisor")
    with pytest.raises(Http404):
        access.queue_for_supervisor(supervisor, personas.queue.pk)
    assert access.supervised_queue_ids(supervisor) == []


def test_the_object_permission_alone_is_what_counts_when_limited(personas):
    """A permission granted without membership (e.g. by the data migration) is honoured; the
    membership row itself is not consulted."""
    from guardian.shortcuts import assign_perm

    assign_perm(SUPERVISE_QUEUE, personas.supervisor, personas.other_queue)
    assert user_can_supervise_queue(fresh(personas.supervisor), personas.other_queue)


def test_unlimited_supervisors_reach_every_queue_of_their_organization(personas):
    Organization.objects.filter(pk=personas.organization.pk).update(supervisors_limited_to_assigned_queues=False)
    supervisor = fresh(personas.supervisor)
    assert access.queue_for_supervisor(supervisor, personas.other_queue.pk) == personas.other_queue
    assert sorted(access.supervised_queue_ids(supervisor)) == sorted([personas.queue.pk, personas.other_queue.pk])


def test_unlimited_supervisors_still_do_not_reach_another_organization(personas):
    Organization.objects.filter(pk=personas.organization.pk).update(supervisors_limited_to_assigned_queues=False)
    with pytest.raises(Http404):
        access.queue_for_supervisor(fresh(personas.supervisor), personas.outsider_queue.pk)


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.MANAGER])
def test_managers_and_up_reach_every_queue_without_object_permissions(personas, role):
    user = f.UserFactory(organization=personas.organization, role=role)
    assert not UserObjectPermission.objects.filter(user=user).exists()
    assert sorted(access.supervised_queue_ids(user)) == sorted([personas.queue.pk, personas.other_queue.pk])
    assert access.queue_for_supervisor(user, personas.other_queue.pk) == personas.other_queue


def test_an_agent_supervises_nothing_even_with_a_stray_permission(personas):
    from django.core.exceptions import PermissionDenied
    from guardian.shortcuts import assign_perm

    assign_perm(SUPERVISE_QUEUE, personas.agent, personas.queue)
    assert access.supervised_queue_ids(fresh(personas.agent)) == []
    with pytest.raises(PermissionDenied):
        access.queue_for_supervisor(fresh(personas.agent), personas.queue.pk)


def test_a_deactivated_supervisor_supervises_nothing(personas):
    User.objects.filter(pk=personas.supervisor.pk).update(is_active=False)
    assert access.supervised_queue_ids(fresh(personas.supervisor)) == []
    assert not user_can_supervise_queue(fresh(personas.supervisor), personas.queue)


def test_the_data_migration_grants_existing_supervisor_memberships(personas):
    UserObjectPermission.objects.all().delete()
    assert not has_object_permission(personas.supervisor, personas.queue)
    migration = importlib.import_module("contactcenter.migrations.0007_perms_supervise_queue_grants")
    migration.grant(apps, None)
    assert has_object_permission(personas.supervisor, personas.queue)
    assert not has_object_permission(personas.supervisor, personas.other_queue)
    assert not UserObjectPermission.objects.filter(user=personas.agent).exists()
