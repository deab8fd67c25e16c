from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from permissions.access import require_org_admin, require_supervising


@login_required
def permissions_page(request):
    require_org_admin(request.user)
    return render(request, "permissions/pending.html", {"title_key": "permissions"})


@login_required
def config_index(request):
    require_supervising(request.user)
    return render(request, "permissions/pending.html", {"title_key": "config"})
