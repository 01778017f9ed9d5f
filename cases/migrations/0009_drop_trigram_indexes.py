"""Drop 0007's trigram indexes: misspelt words are looked up in the lexicon (0008) and nothing
filters on those expressions any more, while every save of a case still paid to update them."""

import importlib

from django.db import migrations

indexes_0007 = importlib.import_module("cases.migrations.0007_search_and_scale_indexes")


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0008_search_lexicon"),
    ]

    operations = [
        migrations.RunPython(
            indexes_0007.drop_trigram_indexes, indexes_0007.create_trigram_indexes
        ),
    ]
