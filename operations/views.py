from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from operations.readiness import run_checks


@require_GET
@never_cache
@login_not_required
def ready(request):
    """Readiness, for a load balancer or an upgrade script: 200 when the database, the cache and
    the media storage all answer, else 503 naming the parts that failed. Liveness is /healthz
    (cases.views.healthz), which touches none of them, so a database outage marks every app
    server not ready without getting them restarted."""
    checks = run_checks()
    ready = all(result == "ok" for result in checks.values())
    return JsonResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status=200 if ready else 503)
