from django.urls import path

from viewer import views

app_name = "viewer"
urlpatterns = [
    path("images/<int:pk>/<str:kind>/", views.image_file, name="image_file"),
]
