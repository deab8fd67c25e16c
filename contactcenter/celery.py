import os

from celery import Celery
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")

app = Celery("contactcenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["contactcenter"])


@app.on_after_finalize.connect
def setup_periodic_tasks(sender, **kwargs):
    # The sweeps catch whatever an event-driven path missed (a lost task, a crashed worker).
    sender.add_periodic_task(
        settings.ROUTING_SWEEP_SECONDS, sender.signature("contactcenter.tasks.sweep"), name="sweep"
    )
    sender.add_periodic_task(60.0, sender.signature("contactcenter.tasks.devices_sweep"), name="devices_sweep")
    sender.add_periodic_task(300.0, sender.signature("contactcenter.tasks.deliveries_sweep"), name="deliveries_sweep")
    sender.add_periodic_task(
        15.0, sender.signature("contactcenter.tasks.supervision_alerts"), name="supervision_alerts"
    )
    # Shifts: the agents whose phase changes are due, every minute; everyone recomputed every 15.
    sender.add_periodic_task(60.0, sender.signature("contactcenter.tasks.shifts_due"), name="shifts_due")
    sender.add_periodic_task(900.0, sender.signature("contactcenter.tasks.shifts_sweep"), name="shifts_sweep")
    # Status rules: triggers and the return of lasting changes; the supervisors' e-mail digest.
    sender.add_periodic_task(float(settings.RULES_CHECK_SECONDS), sender.signature("contactcenter.tasks.rules_check"),
                             name="rules_check")
    sender.add_periodic_task(60.0 * settings.NOTIFICATION_DIGEST_MINUTES,
                             sender.signature("contactcenter.tasks.notifications_digest"), name="notifications_digest")
    # Hours close once an hour; every 5 minutes keeps the reports' lag short after a pause.
    sender.add_periodic_task(300.0, sender.signature("contactcenter.tasks.rollups_fill"), name="rollups_fill")

