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
    path("progress/", views.my_progress, name="progress"),
    path("progress/export.csv", views.my_progress_csv, name="progress_csv"),
    path("progress/residents/", views.residents, name="residents"),
    path("progress/residents/<int:reader_pk>/", views.reader_progress, name="reader_progress"),
    path(
        "progress/residents/<int:reader_pk>/export.csv",
        views.reader_progress_csv,
        name="reader_progress_csv",
    ),
]
