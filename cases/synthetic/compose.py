"""The texts of synthetic cases, composed from the word lists in words.toml with a random
source the caller seeds: the same seed, the same calls in the same order, the same texts."""

import tomllib
from pathlib import Path

from cases.models import Case

WORDS = tomllib.loads((Path(__file__).parent / "words.toml").read_text(encoding="utf-8"))
EXAM_WORDS = ("radiographs", "CT", "MRI", "ultrasound")


class Composer:
    """Every method draws from rng, so each call's place in the sequence matters."""

    def __init__(self, rng, words=WORDS):
        self.rng = rng
        self.words = words

    def word(self, kind):
        return self.rng.choice(self.words[kind])

    def diagnosis_and_site(self, anatomy_slug):
        """(diagnosis, site): the site follows the anatomy where names allow."""
        sites = self.words["sites"]
        chosen = sites.get(anatomy_slug, sites["other"])
        if anatomy_slug in ("gastrointestinal", "genitourinary"):
            chosen = sites["abdomen"]
        return self.word("diagnoses"), self.rng.choice(chosen)

    def age(self):
        """(value, unit) from neonates to 95 years, in the unit a radiologist would write."""
        draw = self.rng.random()
        if draw < 0.05:
            return self.rng.randint(1, 27), Case.AgeUnit.DAYS
        if draw < 0.10:
            return self.rng.randint(4, 12), Case.AgeUnit.WEEKS
        if draw < 0.20:
            return self.rng.randint(3, 23), Case.AgeUnit.MONTHS
        if draw < 0.50:
            return self.rng.randint(2, 17), Case.AgeUnit.YEARS
        return self.rng.randint(18, 95), Case.AgeUnit.YEARS

    def unknown_title(self, age_value, age_unit):
        return f"{capitalised(self.word('symptoms'))} in {age_phrase(age_value, age_unit)}"

    def history(self, age_value, age_unit):
        unit = Case.AgeUnit(age_unit).label.rstrip("s")
        first, second = self.rng.sample(self.words["symptoms"], 2)
        duration = self.word("durations")
        return f"{age_value} {unit} old with {duration} history of {first} and {second}"

    def discussion(self, diagnosis, site):
        paragraphs = []
        for _ in range(self.rng.randint(1, 3)):
            sentences = self.rng.sample(self.words["teaching"], self.rng.randint(2, 4))
            paragraphs.append(" ".join(self.fill(s, diagnosis, site) for s in sentences))
        return "\n\n".join(paragraphs)

    def fill(self, template, diagnosis, site):
        finding = self.word("findings")
        return template.format(
            descriptor=self.word("descriptors"), finding=self.word("findings"),
            finding_cap=capitalised(finding), diagnosis=diagnosis,
            diagnosis_cap=capitalised(diagnosis), symptom=self.word("symptoms"),
            exam=self.rng.choice(EXAM_WORDS), site=site, differential=self.word("diagnoses"),
        )

    def differentials(self, diagnosis):
        """Two to four other diagnoses, capitalised."""
        others = [name for name in self.rng.sample(self.words["diagnoses"], 5) if name != diagnosis]
        return [capitalised(name) for name in others[: self.rng.randint(2, 4)]]

    def exam(self, modality):
        return self.rng.choice(self.words["exams"].get(modality.code, (modality.name,)))

    def findings(self, site):
        return " ".join((
            f"{capitalised(self.word('descriptors'))} {self.word('descriptors')} lesion of the "
            f"{site}.",
            f"There is {self.word('findings')} with {self.word('findings')}.",
            f"No {self.word('findings')}.",
        ))

    def caption(self):
        return f"{capitalised(self.word('descriptors'))} {self.word('findings')}"

    def reference(self, diagnosis):
        """(citation, DOI) of a made-up paper; DOIs under 10.5555, the DOI test prefix."""
        rng = self.rng
        authors = ", ".join(f"{name} {rng.choice('ABCDEFGHJKLMPRST')}{rng.choice('ABCDJKMRS')}"
                            for name in rng.sample(self.words["surnames"], 2))
        year = rng.randint(1985, 2025)
        first_page = rng.randint(1, 1800)
        citation = (
            f"{authors}, et al. {capitalised(diagnosis)}: {self.word('descriptors')} "
            f"{self.word('findings')} on imaging. {self.word('journals')} {year};"
            f"{rng.randint(10, 310)}:{first_page}-{first_page + rng.randint(3, 14)}."
        )
        return citation, f"10.5555/synthetic.{rng.randint(1000, 999999):04d}"


def capitalised(text):
    return text[:1].upper() + text[1:]


def title(diagnosis, site):
    return f"{capitalised(diagnosis)} of the {site}"


def age_phrase(value, unit):
    if unit == Case.AgeUnit.YEARS:
        return "an adult" if value >= 18 else ("a teenager" if value >= 13 else "a child")
    return "a neonate" if unit == Case.AgeUnit.DAYS else "an infant"
