from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from permissions.access import require_supervising
from supervision import context


@login_required
@require_GET
def overview(request):
    require_supervising(request.user)
    return render(request, "supervision/overview.html", context.overview_context(request.user))
