"""Supervisor memberships that existed before the object permissions: grant each supervisor
contactcenter.supervise_queue on the queues they supervise (django-guardian). From now on the
membership signal (contactcenter/signals.py) keeps them in step."""

from django.db import migrations


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    QueueMembership = apps.get_model("contactcenter", "QueueMembership")
    UserObjectPermission = apps.get_model("guardian", "UserObjectPermission")
    memberships = QueueMembership.objects.filter(role="supervisor").values_list("user_id", "queue_id")
    if not memberships.exists():
        return
    # On a fresh database the permission rows are made after the migrations (post_migrate).
    content_type, _ = ContentType.objects.get_or_create(app_label="contactcenter", model="queue")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="supervise_queue", defaults={"name": "Can supervise the queue"}
    )
    for user_id, queue_id in memberships.distinct():
        UserObjectPermission.objects.get_or_create(
            user_id=user_id, permission=permission, content_type=content_type, object_pk=str(queue_id)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    UserObjectPermission = apps.get_model("guardian", "UserObjectPermission")
    UserObjectPermission.objects.filter(
        permission__in=Permission.objects.filter(content_type__app_label="contactcenter",
                                                 codename="supervise_queue")
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contactcenter", "0006_supervision_monitoring"),
        ("guardian", "0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
