from django.db import migrations
from django.utils.text import slugify

ANATOMY = [
    "Musculoskeletal", "Chest", "Neuro", "Head & Neck", "Spine", "Abdomen", "Gastrointestinal",
    "Genitourinary", "Breast", "Cardiac", "Vascular", "Obstetric", "Multisystem",
]
CATEGORIES = [
    "Congenital", "Infection", "Inflammatory", "Neoplasia Benign", "Neoplasia Malignant",
    "Trauma", "Vascular", "Metabolic", "Degenerative", "Iatrogenic", "Normal/Variant",
    "Miscellaneous",
]
# DICOM PS3.3 C.7.3.1.1.1 modality defined terms, in the order readers look for them.
MODALITIES = [
    ("CR", "Computed Radiography"), ("DX", "Digital Radiography"), ("CT", "Computed Tomography"),
    ("MR", "Magnetic Resonance"), ("US", "Ultrasound"), ("NM", "Nuclear Medicine"),
    ("PT", "Positron Emission Tomography"), ("MG", "Mammography"), ("XA", "X-Ray Angiography"),
    ("RF", "Radiofluoroscopy"), ("IO", "Intra-oral Radiography"), ("PX", "Panoramic X-Ray"),
    ("OT", "Other"), ("SC", "Secondary Capture"), ("XC", "External-camera Photography"),
]


def seed(apps, schema_editor):
    Anatomy = apps.get_model("cases", "Anatomy")
    Category = apps.get_model("cases", "DiagnosticCategory")
    Modality = apps.get_model("cases", "Modality")
    for position, name in enumerate(ANATOMY):
        Anatomy.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "position": position}
        )
    for position, name in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            slug=slugify(name.replace("/", " ")), defaults={"name": name, "position": position}
        )
    for position, (code, name) in enumerate(MODALITIES):
        Modality.objects.get_or_create(code=code, defaults={"name": name, "position": position})


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
