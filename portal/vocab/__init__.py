"""The portal's own vocabularies (category = the needs matching understands, care stage, population,
condition, delivery mode, department): part of the product, installed by the migrations and topped up
by ``flask vocab install`` (run by ``make run``), never by the demo data. The data is
``data/vocabularies.json``: codes are stable, labels bilingual."""
