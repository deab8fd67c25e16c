from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from contactcenter.selectors.agents import agent_overview


@login_required
def index(request):
    if not request.user.organization_id:
        raise PermissionDenied
    return render(request, "workspace/index.html", {"overview": agent_overview(request.user)})
