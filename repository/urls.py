from django.contrib import admin
from django.urls import include, path

from accounts.views import LoginView, LogoutView

admin.site.site_header = admin.site.site_title = "Teaching cases administration"

urlpatterns = [
    path("", include("cases.urls")),
    path("", include("viewer.urls")),
    path("", include("attempts.urls")),
    path("", include("casesets.urls")),
    path("", include("pacs.urls")),
    path("", include("operations.urls")),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]

handler404 = "django.views.defaults.page_not_found"
handler400 = "cases.errors.bad_request"
handler500 = "cases.errors.server_error"
