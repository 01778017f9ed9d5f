"""Published cases counted per combination of facet values (cases.models.FacetCount): kept in
the transaction of each save by keeping.py (called by cases/derived.py), read by reading.py for
browse counts, facets, top tags and the homepage's statistics; bands.py turns ages into the
disjoint bands the overlapping age groups are sums of. authored.py counts an author's cases,
which the counts do not hold, from the cases through the author's own index."""
