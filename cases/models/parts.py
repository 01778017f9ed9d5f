"""What a case holds besides its own fields: its studies, differential diagnoses, accepted answers
and references."""

from django.db import models
from simple_history.models import HistoricalRecords

from cases.models.vocabularies import Modality


class Study(models.Model):
    """One imaging study of a case (one exam or modality), with its findings."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="studies")
    modality = models.ForeignKey(Modality, on_delete=models.PROTECT, related_name="studies")
    description = models.CharField(
        max_length=200,
        blank=True,
        help_text="The exam, e.g. “AP and lateral left knee”. Shown in both workflows: "
        "describe the exam, never the answer.",
    )
    findings = models.TextField(blank=True, help_text="Hidden in the academic workflow.")
    position = models.PositiveSmallIntegerField(default=0)
    uid = models.CharField(
        "study UID",
        max_length=64,
        blank=True,
        editable=False,
        help_text="De-identified StudyInstanceUID of the DICOM imported into this study.",
    )
    revisions = HistoricalRecords()  # every change, for editors (docs/review.md)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "studies"
        indexes = [
            # Browse filtered by modality: EXISTS (study of this case with this modality).
            models.Index(fields=["modality", "case"], name="study_modality_case"),
        ]

    def __str__(self):
        return f"{self.modality.code} {self.description}".strip()

    # The viewer's models, reached through their relations to studies: images belong to cases,
    # so viewer imports cases and cases never imports viewer.

    @classmethod
    def image_model(cls):
        return cls.images.field.model

    @classmethod
    def series_model(cls):
        return cls.series.field.model


class Differential(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="differentials")
    diagnosis = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)
    revisions = HistoricalRecords()  # every change, for editors (docs/review.md)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.diagnosis


class AcceptedAnswer(models.Model):
    """Another way to write the diagnosis that grading counts as correct: a synonym, an
    abbreviation, an eponym. Hidden in the academic workflow, like the diagnosis."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="accepted_answers"
    )
    answer = models.CharField(
        max_length=300,
        help_text="e.g. “SCFE” for slipped capital femoral epiphysis. Case, accents, punctuation, "
        "word order, British/American spelling and small misspellings are forgiven anyway.",
    )
    position = models.PositiveSmallIntegerField(default=0)
    revisions = HistoricalRecords()  # every change, for editors (docs/review.md)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.answer


class Reference(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="references")
    citation = models.TextField(
        help_text="As you would cite it, e.g. “Strouse PJ, et al. Radiology 1996;201:27-30.”"
    )
    pmid = models.PositiveIntegerField("PubMed ID", null=True, blank=True)
    doi = models.CharField(
        "DOI", max_length=200, blank=True, help_text="e.g. 10.1148/radiology.201.1.8816526"
    )
    url = models.URLField("URL", blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    revisions = HistoricalRecords()  # every change, for editors (docs/review.md)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.citation

    def links(self):
        """(label, href) pairs for the identifiers given."""
        found = []
        if self.pmid:
            found.append(("PubMed", f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"))
        if self.doi:
            found.append(("DOI", f"https://doi.org/{self.doi}"))
        if self.url:
            found.append(("Link", self.url))
        return found

