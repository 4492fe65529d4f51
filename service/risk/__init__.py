"""Risk of a client relationship: the domain rules, apart from storage and the API.

``policy`` says what each label means for risk (one table, derived from the one label list);
``assess`` turns a client's messages into a level with reasons; ``summary`` computes the counts,
rates, trend and reply gaps a client page shows; ``refresh`` runs them over stored mail and
persists the result through storage.
"""
