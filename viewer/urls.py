from django.urls import path

import cases.converters  # noqa: F401  registers <workflow:...>
from viewer import views

app_name = "viewer"
urlpatterns = [
    # Before image_file, whose <kind> would take "annotations" and "review".
    path("images/<int:pk>/annotations/", views.annotate, name="annotate"),
    path("images/<int:pk>/review/", views.review_frame, name="review_frame"),
    path("images/<int:pk>/<str:kind>/", views.image_file, name="image_file"),
    path("images/<int:pk>/pixels", views.image_pixels, name="pixels"),
    path("annotations/<int:pk>/", views.annotation, name="annotation"),
    path("annotations/<int:pk>/delete/", views.delete_annotation, name="delete_annotation"),
    path(
        "academic/cases/<int:pk>/annotations.json",
        views.answer_annotations,
        name="answer_annotations",
    ),
    path(
        "<workflow:workflow>/cases/<int:pk>/series/<int:series_pk>/manifest.json",
        views.series_manifest,
        name="manifest",
    ),
    path("<workflow:workflow>/cases/<int:pk>/images.zip", views.case_zip, name="case_zip"),
    path(
        "<workflow:workflow>/cases/<int:pk>/series/<int:series_pk>/images.zip",
        views.case_zip,
        name="series_zip",
    ),
]
