"""Grading a free-text answer against a case's diagnosis, its accepted answers and its
differential. Plain Python (no Django): tested without HTTP in tests/cases/test_grading.py.

An answer and a target are compared as sets of key words, after each is normalised:
- case, accents and punctuation are dropped ("Salter-Harris" = "salter harris");
- British spellings become American (oesophageal, haemorrhage, tumour, centre, ...);
- roman numerals become digits ("type II" = "type 2");
- words that carry no diagnosis (of, the, with, ...) are left out;
- word order does not count, nor spaces inside a word ("non-Hodgkin" = "nonhodgkin");
- a word may be misspelt a little: words of five letters or more match at a difflib ratio of
  MISSPELLING_RATIO, shorter ones only exactly ("ct" is never "mr").

CORRECT: the answer holds every key word of the diagnosis or of an accepted answer.
PARTLY: it names a differential diagnosis, or holds at least half the key words of the diagnosis
(or of an accepted answer), or the reader's own differential names the diagnosis.
MISSED: anything else.
"""

import re
import unicodedata
from difflib import SequenceMatcher

CORRECT = "correct"
PARTLY = "partly"
MISSED = "missed"

MISSPELLING_RATIO = 0.85
SHORTEST_FUZZY_WORD = 5

STOP_WORDS = frozenset(
    "a an the of with and or in on at to for by from due type grade stage likely probable "
    "possible suspected consistent compatible".split()
)
ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6"}

# British to American, word by word, in order (each is a regular expression on one word).
SPELLINGS = [
    (re.compile(r"ae"), "e"),  # haemorrhage, anaemia, paediatric, leukaemia
    (re.compile(r"oe(?=[a-z])"), "e"),  # oesophageal, oedema, foetal (not "toe", "shoe")
    (re.compile(r"our(s?)$"), r"or\1"),  # tumour, tumours, colour
    (re.compile(r"is(e|ed|es|ing|ation|ations)$"), r"iz\1"),  # calcified is not touched
    (re.compile(r"ys(e|ed|es|ing)$"), r"yz\1"),  # analyse, paralysed
    (re.compile(r"([tb])re(s?)$"), r"\1er\2"),  # centre, fibre, litre
    (re.compile(r"ogue$"), "og"),  # catalogue
]


def ordered_words(text):
    """The key words of a text, normalised, in order."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    found = []
    for word in re.findall(r"[a-z0-9]+", text):
        word = ROMAN.get(word, word)
        if word in STOP_WORDS:
            continue
        found.append(american(word))
    return found


def american(word):
    """The American spelling of a lower-case word (itself when it has no other)."""
    for pattern, replacement in SPELLINGS:
        word = pattern.sub(replacement, word)
    return word


def words(text):
    """The key words of a text, normalised, in a set."""
    return set(ordered_words(text))


def same_word(a, b):
    if a == b:
        return True
    if min(len(a), len(b)) < SHORTEST_FUZZY_WORD:
        return False
    return SequenceMatcher(None, a, b).ratio() >= MISSPELLING_RATIO


def share(answer, target):
    """The share (0 to 1) of the target's key words that the answer holds."""
    if not target:
        return 0.0
    held = sum(1 for word in target if any(same_word(word, given) for given in answer))
    return held / len(target)


def names(answer, target):
    """Whether the answer names the target (both texts) in full: every key word, or the same
    letters with the spaces left out ("nonhodgkin" = "non-Hodgkin")."""
    given, wanted = words(answer), words(target)
    if not wanted:
        return False
    joined = "".join(ordered_words(answer))
    return share(given, wanted) == 1.0 or joined == "".join(ordered_words(target))


def grade(answer, diagnosis, accepted=(), differentials=(), answer_differentials=()):
    """CORRECT, PARTLY or MISSED for an answer to a case whose diagnosis, accepted answers and
    differential diagnoses are given; answer_differentials are the reader's own."""
    targets = [diagnosis, *accepted]
    if any(names(answer, target) for target in targets):
        return CORRECT
    if any(names(answer, other) for other in differentials):
        return PARTLY
    if any(share(words(answer), words(target)) >= 0.5 for target in targets):
        return PARTLY
    if any(names(other, target) for other in answer_differentials for target in targets):
        return PARTLY
    return MISSED
