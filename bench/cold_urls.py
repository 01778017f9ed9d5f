"""The distinct URLs of bench/cold.py, drawn from the database the app serves (Django set up in
the benchmark's process), and the save made before each homepage."""

import string
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from taggit.models import Tag

from cases.ages import AGE_GROUPS
from cases.counts import reading
from cases.forms import BrowseForm
from cases.models import Anatomy, Case, DiagnosticCategory, Modality
from cases.search import LEXICON

WORKFLOWS = {"standard": "", "academic": "academic_"}
SAMPLE_KEY = 0.05  # the words' frequencies are read from the 5% of cases with the lowest keys
COMMON, RARE = (0.3, 1.0), (0.0, 0.02)  # share of cases a word is in
SORTS = ("", "newest", "updated", "oldest")


class Urls:
    def __init__(self, rng, per_kind):
        self.rng, self.per_kind = rng, per_kind
        self.ids = list(Case.objects.published().values_list("pk", flat=True))
        self.choices = {
            "anatomy": list(Anatomy.objects.values_list("slug", flat=True)),
            "modality": list(Modality.objects.values_list("code", flat=True)),
            "age": [key for key, *_ in AGE_GROUPS],
            "difficulty": [value for value, _ in Case.Difficulty.choices],
            "author": list(get_user_model().objects.filter(cases__status="published")
                           .values_list("username", flat=True).distinct()),
            "category": list(DiagnosticCategory.objects.values_list("slug", flat=True)),
            "tag": list(Tag.objects.values_list("slug", flat=True)),
        }
        self.saved = 0

    def pages(self):
        """(kind, path, cookie) in a shuffled order, kinds mixed as real traffic mixes them."""
        pages = []
        for workflow, prefix in WORKFLOWS.items():
            cookie = f"workflow={workflow}"
            words = self.words(workflow)
            kinds = {
                "case": self.cases(workflow),
                "browse_deep": self.deep(workflow),
                "browse_filters": self.filtered(workflow),
                "search_common": self.searches(workflow, words["common"]),
                "search_rare": self.searches(workflow, words["rare"]),
                "search_misspelt": self.searches(workflow, words["misspelt"]),
                "search_filter": self.searches(workflow, sum(words.values(), []), filtered=True),
                "random_filters": self.randoms(workflow),
                "home": ["/"] * self.per_kind,
            }
            pages += [(prefix + kind, path, cookie) for kind, paths in kinds.items()
                      for path in paths]
        self.rng.shuffle(pages)
        return pages

    def save_a_case(self):
        """A change to a published case's text through the ORM: a new content version, the
        vectors and counts refreshed, as an editor's save would."""
        case = Case.objects.get(pk=self.rng.choice(self.ids))
        self.saved += 1
        case.discussion = case.discussion.rstrip() + " " * (self.saved % 2)
        case.save()

    def cases(self, workflow):
        return [f"/{workflow}/cases/{pk}/" for pk in self.rng.sample(self.ids, self.per_kind)]

    def deep(self, workflow):
        last = self._last_page(workflow, {})
        pages = {last, 1} | {self.rng.randint(1, last) for _ in range(self.per_kind)}
        return [f"/{workflow}/cases/?page={n}" for n in sorted(pages)][: self.per_kind]

    def filtered(self, workflow):
        urls = set()
        while len(urls) < self.per_kind:
            params = self._filters(workflow)
            last = self._last_page(workflow, params)
            page = last if self.rng.random() < 0.2 else self.rng.randint(1, last)
            urls.add(self._url(workflow, "cases", {**params, "page": page}))
        return sorted(urls)

    def randoms(self, workflow):
        """Draws with filters that select a case: one that selects none answers the page saying
        so, with a 404, which is not a draw."""
        urls = set()
        for _ in range(self.per_kind * 20):
            if len(urls) == self.per_kind:
                break
            params = self._filters(workflow)
            if self._total(workflow, params):
                urls.add(self._url(workflow, "random", params))
        return sorted(urls)

    def searches(self, workflow, words, filtered=False):
        urls = set()
        for _ in range(self.per_kind * 20):
            if len(urls) == self.per_kind or not words:
                break
            params = {"q": self.rng.choice(words), "sort": self.rng.choice(SORTS)}
            if filtered:
                name = self.rng.choice(self._names(workflow))
                params[name] = self.rng.choice(self.choices[name])
            urls.add(self._url(workflow, "cases", params))
        return sorted(urls)

    def words(self, workflow):
        """{common, rare, misspelt: [word]}: frequencies by ts_stat over a sample of the cases'
        vectors; misspelt words are lexicon words with one letter changed."""
        column = "search_standard" if workflow == "standard" else "search_academic"
        sample = (f"SELECT {column} FROM {Case._meta.db_table} "
                  f"WHERE status = 'published' AND random_key < {SAMPLE_KEY}")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM cases_case WHERE status = 'published' "
                           "AND random_key < %s", [SAMPLE_KEY])
            total = cursor.fetchone()[0]
            cursor.execute("SELECT word, ndoc FROM ts_stat(%s)", [sample])
            stats = [(w, n / total) for w, n in cursor.fetchall() if w.isalpha() and len(w) > 3]
            cursor.execute(f"SELECT lexeme FROM {LEXICON} WHERE workflow = %s", [workflow])
            lexicon = [w for (w,) in cursor.fetchall() if w.isalpha() and len(w) >= 7]
        common = [w for w, share in stats if COMMON[0] <= share <= COMMON[1]]
        rare = [w for w, share in stats if RARE[0] <= share <= RARE[1]]
        known = {w for w, _ in stats}
        misspelt = [m for m in (self._misspelt(w) for w in lexicon) if m not in known]
        print(f"# {workflow} words: {len(common)} common, {len(rare)} rare, "
              f"{len(misspelt)} misspelt", flush=True)
        return {"common": common, "rare": rare, "misspelt": misspelt}

    def _misspelt(self, word):
        at = self.rng.randrange(2, len(word) - 2)
        letter = self.rng.choice([c for c in string.ascii_lowercase if c != word[at]])
        return word[:at] + letter + word[at + 1:]

    def _names(self, workflow):
        return BrowseForm.field_names(workflow)[1:-1]  # without q and sort

    def _filters(self, workflow):
        names = [n for n in self._names(workflow) if self.choices[n]]
        chosen = [n for n in names if self.rng.random() < 0.35] or [self.rng.choice(names)]
        params = {name: self.rng.choice(self.choices[name]) for name in chosen}
        if self.rng.random() < 0.5:
            params["sort"] = self.rng.choice(SORTS[1:])
        return params

    def _last_page(self, workflow, params):
        return max(1, -(-self._total(workflow, params) // settings.CASES_PER_PAGE))

    def _total(self, workflow, params):
        """The cases the filters select: from the kept counts where they answer (no author),
        else counted."""
        form = BrowseForm(params, workflow)
        form.is_valid()
        if reading.covers(form):
            return reading.tally(form, workflow).total
        return form.filter(Case.objects.published()).count()

    def _url(self, workflow, view, params):
        return f"/{workflow}/{view}/?{urlencode(params)}"
