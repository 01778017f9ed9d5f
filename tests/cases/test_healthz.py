"""/healthz: what a load balancer polls, and the floor the load benchmark measures pages against."""

from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse


def test_it_answers_ok_without_touching_the_database(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get(reverse("cases:healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")


def test_it_is_never_cached_by_a_proxy():
    response = Client().get(reverse("cases:healthz"))
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_when_every_page_asks_for_a_login():
    login_required = "django.contrib.auth.middleware.LoginRequiredMiddleware"
    with override_settings(MIDDLEWARE=[*settings.MIDDLEWARE, login_required]):
        response = Client().get(reverse("cases:healthz"))
    assert response.status_code == 200


def test_it_refuses_a_post():
    assert Client().post(reverse("cases:healthz")).status_code == 405
