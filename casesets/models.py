"""A case set: an attending's named, ordered list of published cases for a conference, shown as
unknowns to the audience, presented from a projector, and replayed by residents as a quiz."""

import secrets

from django.conf import settings
from django.db import models, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

TOKEN_BYTES = 18  # 24 URL-safe characters: a shared link cannot be guessed


def new_token():
    return secrets.token_urlsafe(TOKEN_BYTES)


class CaseSetQuerySet(models.QuerySet):
    def listed(self):
        """The sets anyone finds on the list page."""
        return self.filter(visibility=CaseSet.Visibility.LISTED)

    def owned_by(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(owner=user)


class CaseSet(models.Model):
    class Visibility(models.TextChoices):
        PRIVATE = "private", "Private: only me"
        SHARED = "shared", "Shared: anyone with the link"
        LISTED = "listed", "Listed: on the repository's list of sets"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_sets"
    )
    name = models.CharField(max_length=200, help_text="What the conference is about.")
    date = models.DateField(null=True, blank=True, help_text="The day of the conference.")
    visibility = models.CharField(
        max_length=7, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    token = models.CharField(
        max_length=40, unique=True, default=new_token, editable=False,
        help_text="The set's address: unguessable, so a shared set is read only by its link.",
    )  # fmt: skip
    created = models.DateTimeField(default=timezone.now)

    objects = CaseSetQuerySet.as_manager()

    class Meta:
        # Undated sets last on every database (PostgreSQL would put NULL first).
        ordering = [models.F("date").desc(nulls_last=True), "-created", "-id"]
        indexes = [
            # The list page: listed sets, newest first.
            models.Index(fields=["visibility", "-date"], name="caseset_visibility_date"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self, workflow="academic"):
        return reverse("casesets:detail", args=[workflow, self.token])

    def is_owned_by(self, user):
        return user.is_authenticated and user.pk == self.owner_id

    def may_be_read_by(self, user):
        """The one rule for reading a set reached by its token: private sets are their owner's;
        a shared or listed set is anyone's who holds its address."""
        return self.visibility != self.Visibility.PRIVATE or self.is_owned_by(user)

    def new_link(self):
        """A new address: the old link stops working (a shared link passed too far)."""
        self.token = new_token()
        self.save(update_fields=["token"])

    def add(self, cases):
        """Append the cases not in the set yet, in the order given; the number added."""
        present = set(self.items.values_list("case_id", flat=True))
        new = [case for case in dict.fromkeys(cases) if case.pk not in present]
        with transaction.atomic():
            last = self.items.aggregate(last=Max("position"))["last"] or 0
            SetItem.objects.bulk_create(
                SetItem(case_set=self, case=case, position=last + n)
                for n, case in enumerate(new, start=1)
            )
        return len(new)

    def move(self, item, offset):
        """Swap the item with its neighbour before (offset -1) or after (+1)."""
        items = list(self.items.order_by("position", "id"))
        index = next(n for n, each in enumerate(items) if each.pk == item.pk)
        other = index + offset
        if not 0 <= other < len(items):
            return
        items[index], items[other] = items[other], items[index]
        self.renumber(items)

    @transaction.atomic
    def renumber(self, items):
        for position, each in enumerate(items, start=1):
            each.position = position
        SetItem.objects.bulk_update(items, ["position"])


class SetItemQuerySet(models.QuerySet):
    def shown(self):
        """The items whose case is published now: a case withdrawn since leaves every set's
        pages at once, and comes back in its place if it is published again."""
        return self.filter(case__status="published").order_by("position", "id")


class SetItem(models.Model):
    case_set = models.ForeignKey(CaseSet, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="set_items")
    position = models.PositiveIntegerField()
    notes = models.TextField(
        blank=True, help_text="For the presenter: never shown to the audience or to residents."
    )

    objects = SetItemQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case_set", "case"], name="setitem_set_case"),
        ]

    def __str__(self):
        return f"{self.case_set}: case {self.case_id}"
