"""Build tools and one-off scripts: they derive the data files the runtime ships
(``service/data/*.npz``, ``models/data/*``). Not installed with the service; run from a checkout
with ``python -m tools.<name>`` and the ``bench`` extra."""
