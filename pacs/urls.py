from django.urls import path

from pacs import views

app_name = "pacs"

urlpatterns = [
    path("dicomweb/studies", views.store_instances, name="stow"),
    path("dicomweb/studies/<str:study_uid>", views.store_instances, name="stow_study"),
]
