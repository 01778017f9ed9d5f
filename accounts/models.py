from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    display_name = models.CharField(
        max_length=150,
        blank=True,
        help_text="Your name as shown on your cases, with credentials, e.g. "
        "“Joseph Junewick, MD FACR”. Left empty, your first and last name are shown.",
    )

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username
