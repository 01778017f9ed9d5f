from django.db import models


class ContentVersion(models.Model):
    """The content version (cases/caching.py) that keys everything cached from cases: one row,
    whose token every save of a case, a part of it or an image draws again.

    It lives in the database rather than in the cache because the cache may be each worker's
    own memory (the default): a version kept there is never learnt by the other workers, which
    would go on serving a withdrawn case's page until their copy expired. In the database every
    worker of every host reads the same version, whatever the cache backend, and it changes in
    the very transaction that changes the rows it stands for. Transactions that save cases
    therefore take turns on this row until they commit: saves are editors' work, rare beside
    reads, which never wait for it.

    A second row holds the counts version (cases/caching.py, COUNTS_ROW), drawn again only when
    the counts kept of the cases change: the facet counts of filters alone are keyed by it."""

    token = models.CharField(max_length=16)

    def __str__(self):
        return self.token
