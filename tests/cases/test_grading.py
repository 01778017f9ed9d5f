"""Grading (cases/grading.py) with real radiology answers, without HTTP or a database."""

import pytest

from cases.grading import CORRECT, MISSED, PARTLY, grade, words

SCFE = "Slipped capital femoral epiphysis"


@pytest.mark.parametrize(
    ("answer", "diagnosis", "accepted"),
    [
        ("slipped capital femoral epiphysis", SCFE, ()),
        ("SLIPPED CAPITAL FEMORAL EPIPHYSIS.", SCFE, ()),
        ("femoral epiphysis, slipped capital", SCFE, ()),  # word order
        ("slipped capital femoral epiphisis", SCFE, ()),  # a misspelling
        ("SCFE", SCFE, ("SCFE",)),  # an abbreviation the author accepts
        ("Oesophageal atresia", "Esophageal atresia", ()),
        ("esophageal atresia", "Oesophageal atresia", ()),
        ("Subarachnoid haemorrhage", "Subarachnoid hemorrhage", ()),
        ("Phyllodes tumour", "Phyllodes tumor", ()),
        ("Anaemia of chronic disease", "Anemia of chronic disease", ()),
        ("Paediatric pulled elbow", "Pediatric pulled elbow", ()),
        ("Pulmonary oedema", "Pulmonary edema", ()),
        ("Fibre-optic injury", "Fiberoptic injury", ()),  # spacing and -tre/-ter
        ("Calcified granuloma", "Calcified granuloma", ()),
        ("Salter Harris 2 fracture", "Salter-Harris II fracture", ()),  # roman numerals
        ("Ménétrier disease", "Menetrier disease", ()),  # accents
        ("non-Hodgkin lymphoma", "Non Hodgkin lymphoma", ()),
        ("nonhodgkin lymphoma", "Non-Hodgkin lymphoma", ()),
        ("pnemothorax", "Pneumothorax", ()),
        ("Tension pneumothorax on the left", "Tension pneumothorax", ()),  # more said, all named
        ("Crohn's disease", "Crohn disease", ("Crohn's disease",)),
        ("Regional enteritis", "Crohn disease", ("Regional enteritis",)),
    ],
)
def test_it_counts_these_answers_correct(answer, diagnosis, accepted):
    assert grade(answer, diagnosis, accepted) == CORRECT


@pytest.mark.parametrize(
    ("answer", "diagnosis", "differentials", "answer_differentials"),
    [
        ("Buckle fracture", "Salter-Harris II fracture", ["Buckle fracture"], []),  # a differential
        ("Pneumothorax", "Tension pneumothorax", [], []),  # half the key words
        ("Subdural haematoma", "Acute subdural hematoma", [], []),  # two of three
        ("Osteosarcoma", "Ewing sarcoma", ["Osteosarcoma"], []),
        ("Osteomyelitis", "Ewing sarcoma", [], ["Ewing's sarcoma"]),  # named in their differential
        ("Oesophageal carcinoma", "Esophageal atresia", [], []),  # one of two: the organ
    ],
)
def test_it_counts_these_answers_partly_right(
    answer, diagnosis, differentials, answer_differentials
):
    assert grade(answer, diagnosis, (), differentials, answer_differentials) == PARTLY


@pytest.mark.parametrize(
    ("answer", "diagnosis"),
    [
        ("Pneumonia", "Pneumothorax"),
        ("Meningitis", "Meningioma"),
        ("Osteochondroma", "Osteosarcoma"),
        ("Chondrosarcoma", "Osteosarcoma"),
        ("Ileum", "Ileus"),
        ("", "Pneumothorax"),
        ("   ", "Pneumothorax"),
        ("of the", "Tetralogy of Fallot"),  # words that name nothing
        ("CT", "MR"),
        ("Intussusception", "Malrotation with midgut volvulus"),
    ],
)
def test_it_counts_these_answers_missed(answer, diagnosis):
    assert grade(answer, diagnosis, (), ["Appendicitis"]) == MISSED


def test_an_empty_accepted_answer_counts_nothing_correct():
    assert grade("anything", "Pneumothorax", ["", "  "]) == MISSED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Oesophageal haemorrhage", {"esophageal", "hemorrhage"}),
        ("Tumours of the centre", {"tumors", "center"}),
        ("Organised haematoma", {"organized", "hematoma"}),
        ("Type II, grade IV", {"2", "4"}),
        ("Shoe and toe", {"shoe", "toe"}),
    ],
)
def test_words_are_normalised_to_american_spelling(text, expected):
    assert words(text) == expected
