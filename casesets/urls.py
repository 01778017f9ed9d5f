from django.urls import path

import cases.converters  # noqa: F401  registers <workflow:...>
from casesets import downloads, editing, views

app_name = "casesets"
urlpatterns = [
    path("sets/", views.set_list, name="list"),
    path("sets/new/", editing.new_set, name="new"),
    path("sets/add/", editing.add_cases, name="add"),
    path("sets/<int:set_pk>/edit/", editing.edit, name="edit"),
    path("sets/<int:set_pk>/new-link/", editing.new_link, name="new_link"),
    path("sets/<int:set_pk>/delete/", editing.delete, name="delete"),
    path("sets/<int:set_pk>/items/<int:item_pk>/notes/", editing.item_notes, name="item_notes"),
    path("sets/<int:set_pk>/items/<int:item_pk>/move/", editing.item_move, name="item_move"),
    path("sets/<int:set_pk>/items/<int:item_pk>/remove/", editing.item_remove, name="item_remove"),
    path("<workflow:workflow>/sets/<str:token>/", views.detail, name="detail"),
    path("<workflow:workflow>/sets/<str:token>/present/", views.present_set, name="present"),
    path("<workflow:workflow>/sets/<str:token>/handout.pdf", downloads.handout, name="handout"),
    path("<workflow:workflow>/sets/<str:token>/slides.pptx", downloads.deck, name="slides"),
    path("academic/sets/<str:token>/<int:number>/", views.replay, name="replay"),
]
