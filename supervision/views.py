from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from permissions.access import require_supervising


@login_required
def overview(request):
    require_supervising(request.user)
    return render(request, "supervision/overview.html")
