"""Synthetic published cases for load and performance tests (`manage.py generate_cases`): the
words they are composed from (words.toml), the composer of their texts (compose.py), their
pictures (pictures.py) and the bulk writer of their rows (writer.py)."""
