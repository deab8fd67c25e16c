"""The Status rules page of the configuration portal (/config/rules/): "when <trigger> [in
queues] then <action>", enabled or not, with what each rule did lately. Admins see every rule;
supervisors with the portal only the rules of their queues (another id is a 404)."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from contactcenter.selectors import rules as sel
from contactcenter.services import rules as services
from contactcenter.services.errors import DomainError
from permissions.config.rule_forms import RuleForm
from permissions.config.views.sections import nav, raise_if_not_allowed, require_portal

LATEST = 20


def _rule(user, pk):
    rule = services.editable_rules(user).filter(pk=pk).first()
    if rule is None:
        raise Http404
    return rule


def _firings(rule) -> list:
    fired = list(rule.firings.select_related("rule", "agent", "queue", "rule__pause_reason")[:LATEST])
    for firing in fired:
        firing.text = sel.describe(firing)
    return fired


def _list(request, form=None, status=200):
    user = request.user
    return render(request, "config/rules.html", {
        "nav": nav(user), "rules": services.editable_rules(user), "form": form or RuleForm(user=user),
        "zone": user.organization.time_zone,
    }, status=status)


def _save(request, form, rule=None):
    """The form's data through the service; a refusal is shown on the form."""
    try:
        return services.rule_save(by=request.user, rule=rule, **form.service_fields())
    except DomainError as exc:
        raise_if_not_allowed(exc)
        form.add_error(None, exc.message)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def rules(request):
    require_portal(request.user)
    if request.method == "GET":
        return _list(request)
    form = RuleForm(request.POST, user=request.user)
    if form.is_valid() and (rule := _save(request, form)) is not None:
        messages.success(request, _("Rule “%(name)s” created.") % {"name": rule.name})
        return redirect("config:rules")
    return _list(request, form, 422)


@login_required
@require_http_methods(["GET", "POST"])
def rule(request, pk):
    require_portal(request.user)
    item = _rule(request.user, pk)
    # Model forms write into their instance while validating: a copy, so a refused edit leaves it.
    form = RuleForm(request.POST if request.method == "POST" else None, instance=copy.copy(item), user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid() and _save(request, form, item) is not None:
            messages.success(request, _("Rule saved."))
            return redirect("config:rule", item.pk)
        status = 422
    return render(request, "config/rule.html", {
        "nav": nav(request.user), "rule": item, "form": form, "firings": _firings(item),
        "zone": request.user.organization.time_zone,
    }, status=status)


@login_required
@require_POST
def rule_enable(request, pk):
    require_portal(request.user)
    item = _rule(request.user, pk)
    enabled = request.POST.get("enabled") == "1"
    services.rule_set_enabled(by=request.user, rule=item, enabled=enabled)
    messages.success(request, (_("Rule “%(name)s” enabled.") if enabled else _("Rule “%(name)s” disabled."))
                     % {"name": item.name})
    return redirect("config:rules")


@login_required
@require_POST
def rule_delete(request, pk):
    require_portal(request.user)
    item = _rule(request.user, pk)
    name = item.name
    services.rule_delete(by=request.user, rule=item)
    messages.success(request, _("Rule “%(name)s” deleted.") % {"name": name})
    return redirect("config:rules")
