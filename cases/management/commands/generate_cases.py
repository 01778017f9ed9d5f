"""`python manage.py generate_cases N`: many synthetic published cases, fast, for load tests.

Every case is made up: text is composed from the word lists below, ages and vocabularies drawn at
random (deterministically with --seed), authors are a handful of synthetic contributor accounts
(usernames start with "synthetic-"), references carry DOIs under 10.5555, the DOI test prefix.
Rows go in with bulk_create, one transaction per batch, so model save() and the post_save
signals do not run: the fields Case.save() computes are computed here, and after_insert() does
what the signals would (cover images, statistics cache).

The pictures are a few grey renditions rendered once and stored under images/synthetic/; every
synthetic Image row points at those same stored names, so the disk stays small. Deleting one
synthetic Image through the ORM deletes those shared files (viewer.signals); the next run of
this command writes them again.
"""

import random
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFilter
from taggit.models import Tag, TaggedItem

from cases import search, statistics
from cases.ages import age_in_days
from cases.models import (
    Anatomy,
    Case,
    DiagnosticCategory,
    Differential,
    Modality,
    Reference,
    Study,
    new_deid_salt,
)
from cases.roles import CONTRIBUTORS
from dicom.renditions import render
from viewer.models import Image, Series

USERNAME_PREFIX = "synthetic-"
PICTURE_FOLDER = "images/synthetic"
PICTURE_COUNT = 8
SPREAD = timedelta(days=15 * 365)  # created dates reach this far back
# bulk_update writes one CASE WHEN branch per case, which PostgreSQL walks for every row it
# updates: small batches keep that cost linear.
COVER_BATCH = 100

# (username suffix, first name, last name, display name)
AUTHORS = (
    ("avery", "Avery", "Marsh", "Avery Marsh, MD"),
    ("blake", "Blake", "Okafor", "Blake Okafor, MD PhD"),
    ("casey", "Casey", "Lindqvist", "Casey Lindqvist, MD FACR"),
    ("devon", "Devon", "Tanaka", "Devon Tanaka, DO"),
    ("emery", "Emery", "Castillo", "Emery Castillo, MBBS FRCR"),
    ("finley", "Finley", "Novak", "Finley Novak, MD"),
)

TAGS = ("PEDS", "classic", "emergency", "board-review", "can't-miss", "incidental", "rare",
        "Aunt Minnie", "pitfall", "follow-up")

# --- the word list: real radiology and pathology terms ------------------------------------------

DIAGNOSES = (
    "osteosarcoma", "Ewing sarcoma", "osteoid osteoma", "osteochondroma", "enchondroma",
    "chondrosarcoma", "giant cell tumour", "aneurysmal bone cyst", "unicameral bone cyst",
    "non-ossifying fibroma", "fibrous dysplasia", "Langerhans cell histiocytosis",
    "osteomyelitis", "septic arthritis", "Salter-Harris II fracture", "supracondylar fracture",
    "slipped capital femoral epiphysis", "Legg-Calvé-Perthes disease", "developmental dysplasia "
    "of the hip", "Osgood-Schlatter disease", "osteochondritis dissecans", "stress fracture",
    "multiple myeloma", "metastatic disease", "Paget disease", "rickets", "scurvy",
    "meningioma", "glioblastoma", "medulloblastoma", "pilocytic astrocytoma", "ependymoma",
    "vestibular schwannoma", "pituitary macroadenoma", "craniopharyngioma", "epidural hematoma",
    "subdural hematoma", "subarachnoid hemorrhage", "ischemic stroke", "cerebral abscess",
    "multiple sclerosis", "hydrocephalus", "Chiari I malformation", "arteriovenous malformation",
    "pneumothorax", "tension pneumothorax", "lobar pneumonia", "round pneumonia",
    "pulmonary embolism", "sarcoidosis", "pulmonary fibrosis", "bronchiectasis",
    "bronchogenic carcinoma", "pulmonary metastases", "congenital pulmonary airway malformation",
    "pulmonary sequestration", "aortic dissection", "pericardial effusion", "cardiomegaly",
    "appendicitis", "small bowel obstruction", "intussusception", "midgut volvulus",
    "pyloric stenosis", "Crohn disease", "diverticulitis", "acute cholecystitis",
    "hepatocellular carcinoma", "hepatic hemangioma", "pancreatitis", "pancreatic adenocarcinoma",
    "splenic laceration", "renal cell carcinoma", "Wilms tumour", "neuroblastoma",
    "hydronephrosis", "angiomyolipoma", "ovarian torsion", "testicular torsion",
    "ectopic pregnancy", "invasive ductal carcinoma", "fibroadenoma", "thyroid nodule",
    "retropharyngeal abscess", "spondylolysis", "discitis", "vertebral compression fracture",
)
SITES = {
    "musculoskeletal": ("distal femur", "proximal tibia", "proximal humerus", "distal radius",
                        "femoral neck", "calcaneus", "pelvis", "scapula", "fibula", "patella"),
    "chest": ("right upper lobe", "left lower lobe", "right middle lobe", "lingula",
              "mediastinum", "left hilum", "pleural space"),
    "neuro": ("left frontal lobe", "right parietal lobe", "posterior fossa", "cerebellum",
              "sellar region", "cerebellopontine angle", "basal ganglia", "corpus callosum"),
    "abdomen": ("right lower quadrant", "liver", "pancreatic head", "spleen", "left kidney",
                "terminal ileum", "sigmoid colon", "gallbladder"),
    "other": ("cervical spine", "lumbar spine", "neck", "right breast", "left adnexa",
              "thyroid", "scrotum"),
}
DESCRIPTORS = (
    "metaphyseal", "diaphyseal", "epiphyseal", "lytic", "sclerotic", "permeative", "geographic",
    "expansile", "well-circumscribed", "ill-defined", "lobulated", "spiculated", "heterogeneous",
    "homogeneous", "enhancing", "rim-enhancing", "non-enhancing", "hypoechoic", "hyperechoic",
    "anechoic", "hypodense", "hyperdense", "hyperintense", "hypointense", "ground-glass",
    "cavitating", "calcified", "septated", "cystic", "solid", "multiloculated",
    "extra-axial", "intra-axial", "subpleural", "peribronchovascular", "periventricular",
    "exophytic", "infiltrative", "displaced", "comminuted",
)
FINDINGS = (
    "consolidation", "periosteal reaction", "pleural effusion", "air-fluid level",
    "mass effect", "midline shift", "vasogenic oedema", "restricted diffusion",
    "soft tissue mass", "cortical destruction", "matrix mineralisation", "fluid-fluid levels",
    "sclerotic rim", "joint effusion", "bone marrow oedema", "lymphadenopathy",
    "free intraperitoneal air", "pneumatosis", "bowel wall thickening", "fat stranding",
    "ascites", "target sign", "dilated loops of small bowel", "transition point",
    "air bronchograms", "tree-in-bud nodules", "honeycombing", "traction bronchiectasis",
    "septal thickening", "filling defect", "intimal flap", "calcified granuloma",
    "dural tail", "hydrocephalus", "tonsillar descent", "subchondral collapse",
    "physeal widening", "Codman triangle", "sunburst periosteal reaction", "onion-skin "
    "periosteal reaction", "hyperaemia", "posterior acoustic shadowing", "internal vascularity",
)
SYMPTOMS = (
    "knee pain", "limp", "fever", "hemoptysis", "cough", "chest pain", "dyspnoea",
    "headache", "seizure", "vomiting", "abdominal pain", "right lower quadrant pain",
    "palpable mass", "weight loss", "night pain relieved by aspirin", "back pain",
    "haematuria", "jaundice", "bilious vomiting", "failure to thrive", "trauma",
    "a fall on an outstretched hand", "neck swelling", "pelvic pain", "scrotal pain",
    "visual disturbance", "ataxia", "focal weakness", "irritability", "arthralgias",
)
DURATIONS = ("acute", "two day", "one week", "several week", "three month", "six month",
             "long-standing")
JOURNALS = ("Radiology", "AJR Am J Roentgenol", "RadioGraphics", "Pediatr Radiol",
            "Skeletal Radiol", "AJNR Am J Neuroradiol", "Eur Radiol", "Clin Radiol",
            "Emerg Radiol", "Br J Radiol", "J Thorac Imaging", "Abdom Radiol")
SURNAMES = ("Strouse", "Donnelly", "Kleinman", "Murphey", "Resnick", "Osborn", "Webb",
            "Federle", "Siegel", "Kaste", "Lee", "Nguyen", "Okafor", "Schmidt", "Rossi",
            "García", "Kowalski", "Johansson", "Patel", "Chen", "Tanaka", "Müller")
EXAMS = {
    "CR": ("AP and lateral views", "Two views", "Frontal radiograph"),
    "DX": ("PA and lateral chest", "AP pelvis", "Supine abdomen"),
    "CT": ("Axial CT with contrast", "Non-contrast CT", "CT angiogram"),
    "MR": ("Axial T2 and post-contrast T1", "Sagittal STIR", "Diffusion-weighted imaging"),
    "US": ("Greyscale and colour Doppler", "Transverse and sagittal views"),
    "NM": ("Whole-body bone scan", "Ventilation-perfusion scan"),
    "PT": ("FDG PET/CT",),
    "MG": ("CC and MLO views",),
}
TEACHING = (
    "The {descriptor} appearance and the patient's age narrow the differential considerably.",
    "{finding_cap} is the key finding and should prompt a search for {finding}.",
    "{diagnosis_cap} classically presents with {symptom} and is often first seen on {exam}.",
    "Comparison with prior imaging helps separate {diagnosis} from {differential}.",
    "MRI best shows the extent of disease, including {finding}.",
    "Management depends on the extent at presentation; report the relation to the {site}.",
    "A {descriptor} lesion with {finding} in this location is {diagnosis} until proven otherwise.",
)


@dataclass
class Draft:
    """One case and its rows, built in memory before the batch's bulk inserts."""

    case: Case
    studies: list = field(default_factory=list)
    series: list = field(default_factory=list)
    images: list = field(default_factory=list)
    differentials: list = field(default_factory=list)
    references: list = field(default_factory=list)
    tags: list = field(default_factory=list)


@dataclass(frozen=True)
class StoredPicture:
    full: str
    display: str
    thumbnail: str
    width: int
    height: int


def positive(value):
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Create N synthetic published cases with bulk inserts, for load and performance tests. "
        "Authors are synthetic-* accounts; images share a few stored files."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=positive, help="How many cases to create.")
        parser.add_argument("--images-per-case", type=positive, default=1,
                            help="Images in each study (default 1).")
        parser.add_argument("--seed", type=int, default=None,
                            help="Seed for the random choices: the same seed makes the same text.")
        parser.add_argument("--batch", type=positive, default=2000,
                            help="Cases per transaction (default 2000).")

    def handle(self, *args, count, images_per_case, seed, batch, **options):
        self.setup(seed, images_per_case)
        started = time.monotonic()
        done = images = 0
        while done < count:
            size = min(batch, count - done)
            with transaction.atomic():
                drafts = self.insert_batch(size)
                self.after_insert(drafts)
            done += size
            images += sum(len(draft.images) for draft in drafts)
            elapsed = time.monotonic() - started
            self.stdout.write(f"  {done}/{count} cases, {done / elapsed:.0f} cases/s")
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"generated: {done} cases, {images} images in {elapsed:.1f} s")
        )

    # --- what every batch shares ---------------------------------------------------------------

    def setup(self, seed, images_per_case=1):
        """Random source, vocabularies, authors, tags and the stored pictures."""
        self.rng = random.Random(seed)
        self.images_per_case = images_per_case
        self.now = timezone.now()
        self.anatomy = list(Anatomy.objects.all())
        self.categories = list(DiagnosticCategory.objects.all())
        self.modalities = list(Modality.objects.all())
        if not (self.anatomy and self.categories and self.modalities):
            raise CommandError("The vocabularies are empty: run `manage.py migrate` first.")
        self.authors = self.ensure_authors()
        self.tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
        self.case_type = ContentType.objects.get_for_model(Case)
        self.pictures = self.ensure_pictures()

    def ensure_authors(self):
        """The synthetic contributor accounts (no usable password), created if missing."""
        group = Group.objects.get_or_create(name=CONTRIBUTORS)[0]
        authors = []
        for suffix, first, last, display in AUTHORS:
            user, created = get_user_model().objects.get_or_create(
                username=USERNAME_PREFIX + suffix,
                defaults={"first_name": first, "last_name": last, "display_name": display,
                          "email": f"{USERNAME_PREFIX}{suffix}@example.org", "is_staff": True},
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            user.groups.add(group)
            authors.append(user)
        return authors

    def ensure_pictures(self):
        """PICTURE_COUNT grey renditions under images/synthetic/, written only when missing."""
        return [self.ensure_picture(number) for number in range(PICTURE_COUNT)]

    def ensure_picture(self, number):
        renditions = render(synthetic_picture(number), lossless=True)
        names = {}
        for kind, data, ext in (("full", renditions.full, renditions.full_ext),
                                ("display", renditions.display, renditions.display_ext),
                                ("thumbnail", renditions.thumbnail, "jpg")):
            name = f"{PICTURE_FOLDER}/{number}/{kind}.{ext}"
            if not default_storage.exists(name):
                name = default_storage.save(name, ContentFile(data))
            names[kind] = name
        return StoredPicture(width=renditions.width, height=renditions.height, **names)

    # --- one batch -----------------------------------------------------------------------------

    def insert_batch(self, size):
        """Build size cases in memory and bulk insert them with their rows; the drafts."""
        drafts = [self.draft() for _ in range(size)]
        Case.objects.bulk_create([d.case for d in drafts], batch_size=1000)
        for model, rows in (
            (Study, [s for d in drafts for s in d.studies]),
            (Series, [s for d in drafts for s in d.series]),
            (Image, [i for d in drafts for i in d.images]),
            (Differential, [x for d in drafts for x in d.differentials]),
            (Reference, [r for d in drafts for r in d.references]),
        ):
            # Children were built around unsaved parents; bulk_create reads the parents' new pks.
            model.objects.bulk_create(rows, batch_size=1000)
        TaggedItem.objects.bulk_create(
            [TaggedItem(content_type=self.case_type, object_id=d.case.pk, tag=tag)
             for d in drafts for tag in d.tags],
            batch_size=1000,
        )
        for draft in drafts:
            # The first image in Case.ensure_cover's order: first study, series and position.
            draft.case.cover_image = draft.images[0]
        return drafts

    def after_insert(self, drafts):
        """The one place that refreshes what is derived from the new cases, as the post_save
        signals would have (bulk_create sends none): their cover images, the search vectors and
        the homepage statistics. Runs inside the batch's transaction."""
        self.set_covers([draft.case for draft in drafts])
        self.write_vectors(drafts)
        transaction.on_commit(statistics.forget)

    def write_vectors(self, drafts):
        """The search vectors, from the rows in memory rather than read back (PostgreSQL)."""
        if search.ranks():
            search.write_vectors({
                d.case.pk: search.texts_of(d.case, d.studies, d.differentials, d.tags)
                for d in drafts
            })

    def set_covers(self, cases):
        """Save the covers insert_batch chose. `updated` goes too, set to the publication date:
        bulk_create stamped it with now (auto_now), and bulk_update leaves auto_now alone.
        (An UPDATE with a correlated subquery for the first image was tried: PostgreSQL plans
        it on statistics gathered before the batch and went quadratic past 50,000 cases.)"""
        for case in cases:
            case.updated = case.published_at
        Case.objects.bulk_update(cases, ["cover_image", "updated"], batch_size=COVER_BATCH)

    # --- one case ------------------------------------------------------------------------------

    def draft(self):
        rng = self.rng
        diagnosis, site, anatomy = self.pick_diagnosis()
        age_value, age_unit = self.pick_age()
        created = self.now - SPREAD * rng.random()
        published_at = min(created + timedelta(days=rng.expovariate(1 / 20)), self.now)
        case = Case(
            title=f"{capitalised(diagnosis)} of the {site}",
            unknown_title=f"{capitalised(rng.choice(SYMPTOMS))} in {age_phrase(age_value, age_unit)}",
            history=self.history(age_value, age_unit),
            age_value=age_value,
            age_unit=age_unit,
            age_days=age_in_days(age_value, age_unit),
            sex=rng.choice((Case.Sex.FEMALE, Case.Sex.MALE, Case.Sex.FEMALE, Case.Sex.MALE,
                            Case.Sex.UNKNOWN, Case.Sex.OTHER)),
            anatomy=anatomy,
            category=rng.choice(self.categories),
            difficulty=rng.choice(Case.Difficulty.values),
            certainty=rng.choice(Case.Certainty.values),
            diagnosis=capitalised(diagnosis),
            discussion=self.discussion(diagnosis, site),
            author=rng.choice(self.authors),
            status=Case.Status.PUBLISHED,
            created=created,
            published_at=published_at,
            random_key=rng.random(),
            # Never from the seed: the salt keys the de-identification of any DICOM added later.
            deid_salt=new_deid_salt(),
        )
        draft = Draft(case=case)
        for position in range(rng.choice((1, 1, 2))):
            self.add_study(draft, position, diagnosis, site)
        draft.differentials = [
            Differential(case=case, diagnosis=capitalised(name), position=i)
            for i, name in enumerate(self.differentials(diagnosis))
        ]
        draft.references = [
            self.reference(case, diagnosis, i) for i in range(rng.randint(1, 3))
        ]
        draft.tags = rng.sample(self.tags, rng.choice((0, 1, 1, 2, 3)))
        return draft

    def pick_diagnosis(self):
        """(diagnosis, site, Anatomy row): the site follows the anatomy where names allow."""
        anatomy = self.rng.choice(self.anatomy)
        sites = SITES.get(anatomy.slug, SITES["other"])
        if anatomy.slug in ("gastrointestinal", "genitourinary"):
            sites = SITES["abdomen"]
        return self.rng.choice(DIAGNOSES), self.rng.choice(sites), anatomy

    def pick_age(self):
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

    def history(self, age_value, age_unit):
        unit = Case.AgeUnit(age_unit).label.rstrip("s")
        first, second = self.rng.sample(SYMPTOMS, 2)
        return f"{age_value} {unit} old with {self.rng.choice(DURATIONS)} history of {first} and {second}"

    def discussion(self, diagnosis, site):
        paragraphs = []
        for _ in range(self.rng.randint(1, 3)):
            sentences = self.rng.sample(TEACHING, self.rng.randint(2, 4))
            paragraphs.append(" ".join(self.fill(s, diagnosis, site) for s in sentences))
        return "\n\n".join(paragraphs)

    def fill(self, template, diagnosis, site):
        finding = self.rng.choice(FINDINGS)
        return template.format(
            descriptor=self.rng.choice(DESCRIPTORS), finding=self.rng.choice(FINDINGS),
            finding_cap=capitalised(finding), diagnosis=diagnosis,
            diagnosis_cap=capitalised(diagnosis), symptom=self.rng.choice(SYMPTOMS),
            exam=self.rng.choice(("radiographs", "CT", "MRI", "ultrasound")), site=site,
            differential=self.rng.choice(DIAGNOSES),
        )

    def differentials(self, diagnosis):
        others = [name for name in self.rng.sample(DIAGNOSES, 5) if name != diagnosis]
        return others[: self.rng.randint(2, 4)]

    def add_study(self, draft, position, diagnosis, site):
        rng = self.rng
        modality = rng.choice(self.modalities)
        description = rng.choice(EXAMS.get(modality.code, (modality.name,)))
        study = Study(
            case=draft.case, modality=modality, description=description, position=position,
            findings=self.findings(site),
        )
        # Synthetic pictures carry no text, so no series is flagged for burned-in text.
        series = Series(study=study, description=description, modality=modality.code)
        for number in range(self.images_per_case):
            picture = rng.choice(self.pictures)
            draft.images.append(Image(
                series=series, study=study, position=number,
                caption=f"{capitalised(rng.choice(DESCRIPTORS))} {rng.choice(FINDINGS)}",
                full=picture.full, display=picture.display, thumbnail=picture.thumbnail,
                width=picture.width, height=picture.height,
            ))
        draft.studies.append(study)
        draft.series.append(series)

    def findings(self, site):
        rng = self.rng
        return " ".join((
            f"{capitalised(rng.choice(DESCRIPTORS))} {rng.choice(DESCRIPTORS)} lesion of the {site}.",
            f"There is {rng.choice(FINDINGS)} with {rng.choice(FINDINGS)}.",
            f"No {rng.choice(FINDINGS)}.",
        ))

    def reference(self, case, diagnosis, position):
        rng = self.rng
        authors = ", ".join(f"{name} {rng.choice('ABCDEFGHJKLMPRST')}{rng.choice('ABCDJKMRS')}"
                            for name in rng.sample(SURNAMES, 2))
        year = rng.randint(1985, 2025)
        first_page = rng.randint(1, 1800)
        citation = (
            f"{authors}, et al. {capitalised(diagnosis)}: {rng.choice(DESCRIPTORS)} "
            f"{rng.choice(FINDINGS)} on imaging. {rng.choice(JOURNALS)} {year};"
            f"{rng.randint(10, 310)}:{first_page}-{first_page + rng.randint(3, 14)}."
        )
        doi = f"10.5555/synthetic.{rng.randint(1000, 999999):04d}"
        return Reference(case=case, citation=citation, doi=doi, position=position)


def capitalised(text):
    return text[:1].upper() + text[1:]


def age_phrase(value, unit):
    if unit == Case.AgeUnit.YEARS:
        return "an adult" if value >= 18 else ("a teenager" if value >= 13 else "a child")
    return "a neonate" if unit == Case.AgeUnit.DAYS else "an infant"


def synthetic_picture(number, size=512):
    """A grey picture with a radiograph's look: dark field, a soft bright body, a few densities."""
    rng = random.Random(number)
    picture = PILImage.new("L", (size, size), 12)
    draw = ImageDraw.Draw(picture)
    margin = size // 6
    draw.ellipse((margin, margin // 2, size - margin, size - margin // 2), fill=90)
    for _ in range(4 + number % 4):
        x, y = rng.randint(margin, size - margin), rng.randint(margin, size - margin)
        r = rng.randint(size // 30, size // 8)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(130, 230))
    draw.rectangle((size // 2 - 14, margin, size // 2 + 14, size - margin), fill=170)
    return picture.filter(ImageFilter.GaussianBlur(6))
