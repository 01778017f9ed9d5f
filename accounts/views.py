from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import csrf


class LoginView(auth_views.LoginView):
    """Django's login page, under the site's name: Django names it after the current site, which
    without django.contrib.sites is the host the request came to."""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "site_name": settings.SITE_NAME}


class LogoutView(auth_views.LogoutView):
    """Django's log-out (a POST), and for a GET the page that asks for it with a form carrying
    its own token: where the header's form lands when it was sent without one."""

    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(settings.LOGOUT_REDIRECT_URL)
        return render(request, "registration/logout.html", {"site_name": settings.SITE_NAME})


def csrf_failure(request, reason=""):
    """Django's 403 for a form sent without a valid CSRF token, but for a log-out: the header's
    form has no token in the page, and takes the CSRF cookie's as it is sent
    (static/accounts/csrf.js). Without scripts, or without the cookie, the reader is sent to the
    log-out page (303), whose form has a token; they stay logged in until they send it."""
    logout = reverse("logout")
    if request.method == "POST" and request.path == logout:
        response = HttpResponseRedirect(logout)
        response.status_code = 303  # See Other: the browser asks for it with a GET
        return response
    return csrf.csrf_failure(request, reason)
