from django.urls import path

import cases.converters  # noqa: F401  registers <workflow:...>
from cases import views
from cases.daily import views as daily
from cases.daily.feeds import CaseOfTheDayFeed

app_name = "cases"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("<workflow:workflow>/cases/", views.browse, name="browse"),
    path("<workflow:workflow>/cases/<int:pk>/", views.detail, name="detail"),
    path("academic/cases/<int:pk>/reveal/", views.reveal, name="reveal"),
    path("academic/cases/<int:pk>/answer/", views.answer, name="answer"),
    path("<workflow:workflow>/random/", views.random_case, name="random"),
    path("<workflow:workflow>/cases/<int:pk>/handout.pdf", views.handout, name="handout"),
    path("<workflow:workflow>/cases/<int:pk>/slides.pptx", views.case_slides, name="slides"),
    path("standard/cases/<int:pk>/handout-pair.pdf", views.handout_pair, name="handout_pair"),
    path("<workflow:workflow>/daily/", daily.archive, name="daily_archive"),
    path("<workflow:workflow>/daily/feed/", CaseOfTheDayFeed(), name="daily_feed"),
]
