"""`python manage.py seed_demo`: demo accounts, one per role, and a handful of published cases.

The images are real DICOM samples of pydicom-data (MIT licensed; installed by
`pip install '.[demo]'`), uploaded through the same pipeline as a contributor's files, so they
are de-identified on the way in. The clinical text below is written for the teaching case, and
nothing is copied from the files' headers. The ultrasound goes in as a picture cropped to drop
the text the scanner burned into its pixels.

Idempotent: accounts are keyed by username and cases by title, and what exists is left alone
(an existing account keeps its password; it is only put back in its group).
"""

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pydicom
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cases.models import Anatomy, Case, DiagnosticCategory, Differential, Modality, Reference, Study
from cases.roles import ATTENDINGS, CONTRIBUTORS, EDITORS, RESIDENTS, ensure_groups
from dicom.archive import Member
from dicom.frames import to_picture
from viewer.models import Image, Series
from viewer.uploads import add_files, cleanup_unpublished

PASSWORD = "demo-password-2026"
INSTALL_HINT = "pip install '.[demo]'"


@dataclass(frozen=True)
class Account:
    username: str
    group: str
    first_name: str
    last_name: str
    display_name: str
    is_staff: bool


ACCOUNTS = (
    Account("editor", EDITORS, "Emily", "Editor", "Emily Editor, MD", True),
    Account(
        "contributor", CONTRIBUTORS, "Connor", "Contributor", "Connor Contributor, MD FACR", True
    ),
    Account("attending", ATTENDINGS, "Alex", "Attending", "Alex Attending, MD", False),
    Account("resident", RESIDENTS, "Riley", "Resident", "Riley Resident, MD", False),
)


@dataclass(frozen=True)
class Picture:
    """The images of one sample file (every frame of a multi-frame file). The caption may use
    {number} and {count} for the frame; crop is a Pillow box, for burned-in text."""

    file: str
    caption: str
    crop: tuple | None = None


@dataclass(frozen=True)
class StudySpec:
    modality: str  # DICOM code
    description: str
    findings: str
    series: str
    pictures: tuple


@dataclass(frozen=True)
class Citation:
    text: str
    pmid: int | None = None
    doi: str = ""


@dataclass(frozen=True)
class CaseSpec:
    title: str
    unknown_title: str
    history: str
    age: tuple  # (value, Case.AgeUnit)
    sex: str
    anatomy: str  # slug
    category: str  # slug
    difficulty: str
    certainty: str
    diagnosis: str
    discussion: str
    differentials: tuple
    studies: tuple
    references: tuple
    tags: tuple = ()
    author: str = "contributor"


Y, MO = Case.AgeUnit.YEARS, Case.AgeUnit.MONTHS
F, M = Case.Sex.FEMALE, Case.Sex.MALE
D, C = Case.Difficulty, Case.Certainty

CASES = (
    CaseSpec(
        title="Precursor B acute lymphoblastic leukemia",
        unknown_title="Leg pain in a preschool child",
        history="4 year old with several week history of arthralgias and pancytopenia",
        age=(4, Y),
        sex=M,
        anatomy="musculoskeletal",
        category="neoplasia-malignant",
        difficulty=D.RESIDENT,
        certainty=C.PATHOLOGY,
        diagnosis="Precursor B acute lymphoblastic leukemia",
        discussion=(
            "Leukemia is the commonest malignancy of childhood, and the skeleton is often where it "
            "first shows. In a series of 122 children, 38% presented with musculoskeletal "
            "complaints (pain, limp, swelling) and 40% had at least one radiographic abnormality "
            "at diagnosis: osteolysis, metaphyseal lucent bands, osteopenia, sclerosis, a "
            "permeative pattern or periosteal reaction.\n\n"
            "Metaphyseal lucent bands reflect disturbed endochondral bone formation at the sites "
            "of fastest growth (distal femur, proximal and distal tibia, distal radius). Under "
            "two years of age they are non-specific and follow any serious systemic illness; in "
            "an older child they should suggest leukemia, or metastatic neuroblastoma.\n\n"
            "Bone pain or arthralgia with cytopenias is leukemia until proven otherwise: ask for a "
            "blood film before the child is treated for juvenile idiopathic arthritis or "
            "osteomyelitis, as steroids given for presumed arthritis can mask the diagnosis. "
            "Bone marrow aspiration here showed precursor B lymphoblasts."
        ),
        differentials=(
            "Neuroblastoma metastases",
            "Osteomyelitis",
            "Langerhans cell histiocytosis",
            "Juvenile idiopathic arthritis",
        ),
        studies=(
            StudySpec(
                modality="CR",
                description="AP right tibia and fibula",
                findings=(
                    "Permeative osteolysis of the distal metaphysis of the tibia with metaphyseal "
                    "lucent bands at the distal tibia and fibula. No periosteal reaction, "
                    "pathological fracture or soft-tissue mass. The epiphyses and the ankle joint "
                    "are preserved."
                ),
                series="AP",
                pictures=(
                    Picture(
                        "RG3_UNCR.dcm",
                        "AP right tibia and fibula: permeative lucency of the distal tibial "
                        "metaphysis above a lucent metaphyseal band.",
                    ),
                ),
            ),
        ),
        references=(
            Citation(
                "Sinigaglia R, et al. Musculoskeletal manifestations in pediatric acute leukemia. "
                "J Pediatr Orthop 2008;28:20-28.",
                pmid=18157042,
                doi="10.1097/BPO.0b13e31815ff350",
            ),
            Citation(
                "Heinrich SD, et al. The prognostic significance of the skeletal manifestations "
                "of acute lymphoblastic leukemia of childhood. J Pediatr Orthop 1994;14:105-111.",
                pmid=8113359,
                doi="10.1097/01241398-199401000-00021",
            ),
        ),
        tags=("PEDS",),
    ),
    CaseSpec(
        title="Cannonball pulmonary metastases from renal cell carcinoma",
        unknown_title="Breathlessness and weight loss",
        history=(
            "56 year old with three months of progressive breathlessness, dry cough and 8 kg "
            "weight loss. Left nephrectomy four years ago."
        ),
        age=(56, Y),
        sex=F,
        anatomy="chest",
        category="neoplasia-malignant",
        difficulty=D.STUDENT,
        certainty=C.PATHOLOGY,
        diagnosis="Haematogenous pulmonary metastases from clear cell renal cell carcinoma",
        discussion=(
            "“Cannonball” metastases are large, round, well-defined nodules seeded through the "
            "pulmonary arteries. They predominate in the periphery and the lower zones, where "
            "blood flow is greatest. Classic primaries are renal cell carcinoma, "
            "choriocarcinoma, sarcomas and colorectal carcinoma.\n\n"
            "Multiple nodules of different sizes point to showers of emboli over time. Septic "
            "emboli and granulomatosis with polyangiitis also give multiple nodules, but they "
            "tend to cavitate and to change within days, with a matching clinical picture.\n\n"
            "Renal cell carcinoma can recur many years after nephrectomy; CT-guided biopsy of a "
            "nodule here confirmed clear cell carcinoma."
        ),
        differentials=(
            "Septic pulmonary emboli",
            "Granulomatosis with polyangiitis",
            "Multiple pulmonary arteriovenous malformations",
            "Metastases from another primary (sarcoma, colorectal, germ cell)",
        ),
        studies=(
            StudySpec(
                modality="CR",
                description="PA chest",
                findings=(
                    "Multiple well-circumscribed round soft-tissue masses of varying size, the "
                    "largest about 4 cm, in both lungs with a mid and lower zone predominance. No "
                    "cavitation or calcification. No pleural effusion. Normal heart size. No "
                    "destructive rib lesion."
                ),
                series="PA",
                pictures=(
                    Picture(
                        "RG1_UNCR.dcm",
                        "PA chest: multiple round, well-defined masses of varying size in both "
                        "lungs, most in the mid and lower zones.",
                    ),
                ),
            ),
        ),
        references=(
            Citation(
                "Seo JB, Im JG, Goo JM, Chung MJ, Kim MY. Atypical pulmonary metastases: spectrum "
                "of radiologic findings. RadioGraphics 2001;21:403-417."
            ),
        ),
        tags=("classic",),
    ),
    CaseSpec(
        title="Normal shoulder MRI: intact rotator cuff",
        unknown_title="Shoulder pain after a fall",
        history=(
            "38 year old with right shoulder pain and painful abduction since a fall onto the "
            "outstretched arm six weeks ago. Rotator cuff tear?"
        ),
        age=(38, Y),
        sex=M,
        anatomy="musculoskeletal",
        category="normal-variant",
        difficulty=D.STUDENT,
        certainty=C.CONSENSUS,
        diagnosis="Normal MRI of the shoulder; no rotator cuff tear",
        discussion=(
            "Knowing normal is the first step. On a coronal oblique image along the supraspinatus, "
            "the tendon is a band of uniform low signal from the musculotendinous junction to its "
            "footprint on the greater tuberosity, under the acromion and the acromioclavicular "
            "joint.\n\n"
            "On short echo time sequences (T1, proton density, gradient echo) the tendon can look "
            "brighter where it curves at about 55° to the main magnetic field: the magic angle "
            "effect. It fades on long echo time T2 images, whereas tendinosis and tears stay "
            "bright; judge the cuff on fluid-sensitive fat-suppressed images.\n\n"
            "T1 images show anatomy, marrow and the fatty infiltration of chronically torn cuff "
            "muscles. The faint line across the humeral head is the physeal scar."
        ),
        differentials=(
            "Supraspinatus tendinosis",
            "Partial-thickness articular-surface supraspinatus tear",
            "Magic angle effect",
            "Occult greater tuberosity fracture",
        ),
        studies=(
            StudySpec(
                modality="MR",
                description="MRI right shoulder",
                findings=(
                    "The supraspinatus tendon is of uniform low signal and continuous to its "
                    "insertion on the greater tuberosity, with no fluid-signal defect. No "
                    "undersurface acromial spur or acromioclavicular joint hypertrophy. Normal "
                    "supraspinatus muscle bulk without fatty infiltration. Normal fatty marrow "
                    "of the humeral head with a physeal scar."
                ),
                series="Coronal oblique T1",
                pictures=(
                    Picture(
                        "MR2_UNCR.dcm",
                        "Coronal oblique T1: intact low-signal supraspinatus tendon inserting on "
                        "the greater tuberosity.",
                    ),
                ),
            ),
        ),
        references=(
            Citation(
                "Morag Y, Jacobson JA, Miller B, et al. MR imaging of rotator cuff injury: what "
                "the clinician needs to know. RadioGraphics 2006;26:1045-1065.",
                pmid=16844931,
                doi="10.1148/rg.264055087",
            ),
        ),
        tags=("normal",),
    ),
    CaseSpec(
        title="Reactive cervical lymphadenitis",
        unknown_title="Neck lump after a sore throat",
        history=(
            "9 year old with a tender left neck swelling for ten days after an upper respiratory "
            "tract infection. Afebrile; no night sweats or weight loss."
        ),
        age=(9, Y),
        sex=F,
        anatomy="head-neck",
        category="infection",
        difficulty=D.STUDENT,
        certainty=C.FOLLOW_UP,
        diagnosis="Reactive lymphadenitis, resolved on follow-up",
        discussion=(
            "Most enlarged neck nodes in children are reactive. Features of a benign node: an "
            "oval shape (short-to-long axis ratio under 0.5), an echogenic hilum, and hilar "
            "vascularity branching in an orderly way from the hilum towards the cortex.\n\n"
            "Be concerned by a round node, loss of the hilum, peripheral or mixed (hilar and "
            "capsular) vessels, necrosis, calcification or matting: these suggest lymphoma, "
            "metastasis or tuberculosis. An avascular centre with surrounding hyperaemia in a "
            "febrile child suggests suppuration.\n\n"
            "A node that persists beyond four to six weeks, keeps growing, or comes with systemic "
            "symptoms needs review and possibly biopsy. This one had gone at six weeks."
        ),
        differentials=(
            "Lymphoma",
            "Suppurative lymphadenitis",
            "Non-tuberculous mycobacterial lymphadenitis",
            "Cat-scratch disease",
        ),
        studies=(
            StudySpec(
                modality="US",
                description="Ultrasound left neck with power Doppler",
                findings=(
                    "Enlarged oval hypoechoic lymph node with a smooth margin and a long-to-short "
                    "axis ratio above 2. Power Doppler shows hilar vessels branching in an "
                    "orderly, radiating pattern towards the cortex, with no peripheral or "
                    "capsular vessels. No necrosis, calcification, matting or surrounding "
                    "soft-tissue oedema."
                ),
                series="Power Doppler, long axis",
                pictures=(
                    Picture(
                        "US1_UNCR.dcm",
                        "Power Doppler, long axis (split screen): hilar vessels branching "
                        "towards the cortex of an oval node.",
                        crop=(0, 104, 640, 480),  # drops the scanner's burned-in header text
                    ),
                ),
            ),
        ),
        references=(
            Citation(
                "Ying M, Ahuja A. Sonography of neck lymph nodes. Part I: normal lymph nodes. "
                "Clin Radiol 2003;58:351-358.",
                doi="10.1016/S0009-9260(02)00584-6",
            ),
            Citation(
                "Ahuja AT, Ying M. Sonographic evaluation of cervical lymph nodes. AJR Am J "
                "Roentgenol 2005;184:1691-1699."
            ),
        ),
        tags=("PEDS",),
    ),
    CaseSpec(
        title="Chronic subdural hematoma with internal membranes",
        unknown_title="Confusion in an older adult",
        history=(
            "81 year old taking warfarin for atrial fibrillation, with two weeks of increasing "
            "confusion and unsteadiness. Minor fall at home a month ago."
        ),
        age=(81, Y),
        sex=M,
        anatomy="neuro",
        category="trauma",
        difficulty=D.STUDENT,
        certainty=C.FOLLOW_UP,
        diagnosis="Left chronic subdural hematoma with internal membranes",
        discussion=(
            "Chronic subdural hematoma is common in older people: atrophy stretches the bridging "
            "veins, and anticoagulants and antiplatelet drugs make a trivial injury bleed. It "
            "can present weeks later with confusion, falls or hemiparesis that mimic dementia or "
            "stroke.\n\n"
            "On CT a subdural collection is crescentic and crosses sutures but not the midline. "
            "Its density falls with age: hyperdense when acute, isodense at one to three weeks "
            "(easy to miss; look for effaced sulci, a displaced grey-white junction and "
            "ventricular compression), then hypodense. Membranes and mixed density are common "
            "in chronic collections.\n\n"
            "Symptomatic collections are usually drained through burr holes; 10-20% recur. "
            "Here the anticoagulation was reversed and burr-hole drainage released "
            "dark, liquefied blood."
        ),
        differentials=(
            "Subdural hygroma",
            "Subdural empyema",
            "Arachnoid cyst",
            "Dural metastases",
        ),
        studies=(
            StudySpec(
                modality="CT",
                description="CT head without contrast",
                findings=(
                    "Large crescentic extra-axial collection over the left cerebral convexity, "
                    "hypodense to brain and thickest over the frontal lobe, where internal "
                    "membranes divide it into compartments. The left hemisphere is compressed, "
                    "with effaced sulci and an effaced left lateral ventricle; the right lateral "
                    "ventricle remains open. No acute hyperdense blood on this slice."
                ),
                series="Axial 5 mm",
                pictures=(
                    Picture(
                        "693_UNCR.dcm",
                        "Axial CT, brain window: hypodense left convexity collection with "
                        "internal membranes compressing the left hemisphere.",
                    ),
                ),
            ),
        ),
        references=(
            Citation(
                "Kolias AG, Chari A, Santarius T, Hutchinson PJ. Chronic subdural haematoma: "
                "modern management and emerging therapies. Nat Rev Neurol 2014;10:570-578.",
                pmid=25224156,
                doi="10.1038/nrneurol.2014.163",
            ),
        ),
        tags=("emergency",),
        author="editor",
    ),
    CaseSpec(
        title="Normal myelination for age on T1-weighted MRI",
        unknown_title="Large head in a toddler",
        history=(
            "14 month old girl with a head circumference on the 97th centile. Normal development "
            "and no neurological signs."
        ),
        age=(14, MO),
        sex=F,
        anatomy="neuro",
        category="normal-variant",
        difficulty=D.FELLOW,
        certainty=C.CONSENSUS,
        diagnosis="Normal brain MRI with age-appropriate myelination",
        discussion=(
            "Myelination proceeds in a fixed order: caudal to cranial, central to peripheral, "
            "posterior to anterior, sensory before motor. Myelin makes white matter bright on T1 "
            "before it makes it dark on T2.\n\n"
            "On T1 the splenium of the corpus callosum is bright by about 4 months and the genu "
            "by about 6 months, and by 8 to 12 months the white matter looks adult. On T2 the "
            "changes lag by several months and go on into the second year. So T1 is the "
            "sequence for judging myelination in the first 6 to 8 months and T2 after that.\n\n"
            "Scroll through the stack: the corpus callosum and the subcortical white matter are "
            "bright relative to the cortex on every slice, as expected at this age."
        ),
        differentials=(
            "Delayed myelination",
            "Hypomyelinating leukodystrophy",
            "Benign enlargement of the subarachnoid spaces",
            "Hydrocephalus",
        ),
        studies=(
            StudySpec(
                modality="MR",
                description="MRI brain",
                findings=(
                    "The corpus callosum and the subcortical white matter are hyperintense to "
                    "cortex on T1 throughout the stack, an adult-like pattern appropriate for "
                    "age. Normal gyral pattern. No white matter signal abnormality and no "
                    "extra-axial collection on these slices."
                ),
                series="Sagittal T1, paramedian",
                pictures=(
                    Picture(
                        "emri_small.dcm",
                        "Sagittal T1, slice {number} of {count}: bright corpus callosum and "
                        "subcortical white matter.",
                    ),
                ),
            ),
        ),
        references=(
            Citation(
                "Barkovich AJ, Kjos BO, Jackson DE Jr, Norman D. Normal maturation of the "
                "neonatal and infant brain: MR imaging at 1.5 T. Radiology 1988;166:173-180."
            ),
            Citation(
                "Ballesteros MC, et al. MR imaging of the developing human brain. Part 2. "
                "Postnatal development. RadioGraphics 1993;13:611-622.",
                pmid=8316668,
            ),
        ),
        tags=("PEDS", "normal"),
    ),
    CaseSpec(
        title="Radiographically occult scaphoid fracture on bone scintigraphy",
        unknown_title="Wrist pain after a fall",
        history=(
            "27 year old with left wrist pain after a fall on the outstretched hand. Anatomical "
            "snuffbox tenderness; scaphoid radiographs on the day of injury and at ten days "
            "were normal."
        ),
        age=(27, Y),
        sex=M,
        anatomy="musculoskeletal",
        category="trauma",
        difficulty=D.RESIDENT,
        certainty=C.FOLLOW_UP,
        diagnosis="Left scaphoid waist fracture, occult on radiographs",
        discussion=(
            "A fall on the outstretched hand with snuffbox tenderness is a scaphoid fracture "
            "until proven otherwise. Initial radiographs miss a proportion of them, and an "
            "untreated waist fracture risks non-union and avascular necrosis of the proximal "
            "pole.\n\n"
            "Bone scintigraphy is sensitive from about three days after injury, but uptake is "
            "not specific: bone bruises, ligament injuries and arthritis also light up. MRI is "
            "as sensitive, more specific, and also shows the ligaments and other carpal bones; "
            "CT is an alternative where MRI is not available.\n\n"
            "Radiographs at three weeks showed a sclerotic line across the scaphoid waist."
        ),
        differentials=(
            "Scapholunate ligament injury",
            "Distal radius fracture",
            "Other carpal fracture",
            "Bone bruise",
        ),
        studies=(
            StudySpec(
                modality="NM",
                description="Whole-body bone scintigraphy (99mTc-MDP)",
                findings=(
                    "Focal intense uptake at the left wrist in the region of the scaphoid. "
                    "Elsewhere a physiological skeletal distribution, with mild degenerative "
                    "uptake at the shoulders and knees, and normal renal and bladder activity."
                ),
                series="Whole body, anterior",
                pictures=(
                    Picture(
                        "JPEG-LL.dcm",
                        "Anterior whole-body image: focal uptake at the left wrist.",
                    ),
                ),
            ),
        ),
        references=(
            Citation(
                "Mallee WH, et al. Computed tomography versus magnetic resonance imaging versus "
                "bone scintigraphy for clinically suspected scaphoid fractures in patients with "
                "negative plain radiographs. Cochrane Database Syst Rev 2015;(6):CD010023.",
                doi="10.1002/14651858.CD010023.pub2",
            ),
            Citation(
                "Thorpe AP, et al. Clinically suspected scaphoid fracture: a comparison of "
                "magnetic resonance imaging and bone scintigraphy. Br J Radiol 1996;69:109-113."
            ),
        ),
    ),
)

SAMPLE_FILES = sorted({p.file for case in CASES for s in case.studies for p in s.pictures})


class Command(BaseCommand):
    help = (
        "Create demo accounts (one per role) and published teaching cases rendered from the "
        f"pydicom-data samples ({INSTALL_HINT}). Safe to run again: nothing is duplicated."
    )

    def handle(self, *args, **options):
        samples = self.samples_folder()
        ensure_groups()
        users = {account.username: self.ensure_account(account) for account in ACCOUNTS}
        for spec in CASES:
            case = self.ensure_case(spec, users[spec.author], samples)
            state = "created" if case else "exists, left alone"
            self.stdout.write(f"  {state}: {spec.title}")
        self.print_logins()

    def samples_folder(self):
        """The folder of pydicom-data's sample files, with every file the cases need."""
        try:
            import data_store
        except ImportError:
            raise CommandError(
                f"seed_demo renders its images from the pydicom-data samples: {INSTALL_HINT}"
            ) from None
        folder = Path(data_store.__file__).parent / "data"
        missing = [name for name in SAMPLE_FILES if not (folder / name).is_file()]
        if missing:
            raise CommandError(f"pydicom-data lacks {', '.join(missing)}: {INSTALL_HINT}")
        return folder

    def ensure_account(self, account):
        """The account, created with the demo password if new; in its group either way."""
        user, created = get_user_model().objects.get_or_create(
            username=account.username,
            defaults={
                "first_name": account.first_name,
                "last_name": account.last_name,
                "display_name": account.display_name,
                "email": f"{account.username}@example.org",
                "is_staff": account.is_staff,
            },
        )
        if created:
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get_or_create(name=account.group)[0])
        return user

    def ensure_case(self, spec, author, samples):
        """Create the case unless one has its title; returns the new case, or None."""
        if Case.objects.filter(title=spec.title).exists():
            return None
        with cleanup_unpublished(), transaction.atomic():
            case = self.create_case(spec, author)
            for position, study in enumerate(spec.studies):
                self.add_study(case, study, samples, position)
            # Every demo image was looked at: none shows burned-in text (the ultrasound's was
            # cropped away above), so the flags the pipeline raised are confirmed here.
            for series in Series.objects.awaiting_confirmation(case):
                series.confirm_no_burned_in_text(author)
            case.status = Case.Status.PUBLISHED
            case.full_clean()
            case.save()
        return case

    def create_case(self, spec, author):
        value, unit = spec.age
        case = Case.objects.create(
            title=spec.title,
            unknown_title=spec.unknown_title,
            history=spec.history,
            age_value=value,
            age_unit=unit,
            sex=spec.sex,
            anatomy=Anatomy.objects.get(slug=spec.anatomy),
            category=DiagnosticCategory.objects.get(slug=spec.category),
            difficulty=spec.difficulty,
            certainty=spec.certainty,
            diagnosis=spec.diagnosis,
            discussion=spec.discussion,
            author=author,
            status=Case.Status.DRAFT,  # published once its images are in
        )
        self.add_answer(case, spec)
        return case

    def add_answer(self, case, spec):
        """Differentials, references and tags, in the order given."""
        Differential.objects.bulk_create(
            Differential(case=case, diagnosis=name, position=i)
            for i, name in enumerate(spec.differentials)
        )
        Reference.objects.bulk_create(
            Reference(case=case, citation=ref.text, pmid=ref.pmid, doi=ref.doi, position=i)
            for i, ref in enumerate(spec.references)
        )
        case.tags.add(*spec.tags)

    def add_study(self, case, spec, samples, position):
        """A study whose images come through the upload pipeline, as a contributor's would."""
        study = Study.objects.create(
            case=case,
            modality=Modality.objects.get(code=spec.modality),
            description=spec.description,
            findings=spec.findings,
            position=position,
        )
        for picture in spec.pictures:
            before = set(study.images.values_list("pk", flat=True))
            add_files(case, [self.member(picture, samples)], study=study)
            self.caption(study.images.exclude(pk__in=before), picture)
        study.series.update(description=spec.series)
        return study

    def member(self, picture, samples):
        """The sample file as an upload; a cropped picture as the PNG a contributor would send."""
        path = samples / picture.file
        if picture.crop:
            out = BytesIO()
            to_picture(pydicom.dcmread(path)).crop(picture.crop).save(out, "PNG")
            data = out.getvalue()
            return Member(f"{path.stem}.png", lambda: BytesIO(data), len(data))
        return Member(path.name, lambda: open(path, "rb"), path.stat().st_size)

    def caption(self, images, picture):
        images = list(images.order_by("position", "id"))
        for number, image in enumerate(images, start=1):
            image.caption = picture.caption.format(number=number, count=len(images))
        Image.objects.bulk_update(images, ["caption"])

    def print_logins(self):
        self.stdout.write(self.style.SUCCESS("\nDemo logins (change them before going public):"))
        self.stdout.write(f"  {'username':<12} {'password':<20} role")
        for account in ACCOUNTS:
            staff = ", admin at /admin/" if account.is_staff else ""
            self.stdout.write(f"  {account.username:<12} {PASSWORD:<20} {account.group}{staff}")
