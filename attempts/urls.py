from django.urls import path

from attempts import views

app_name = "attempts"
urlpatterns = [
    path("academic/review/", views.review_due, name="review_due"),
    path("academic/cases/<int:pk>/commit/", views.commit, name="commit"),
    path("academic/cases/<int:pk>/answer/<int:attempt_pk>/", views.answer, name="answer"),
    path(
        "academic/cases/<int:pk>/answer/<int:attempt_pk>/grade/",
        views.confirm_grade,
        name="confirm_grade",
    ),
]
