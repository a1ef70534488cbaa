"""Custom NLU components the Rasa server runs (named in config.yml): places and slang as entities
and features, DIET averaged with a logistic regression, and the overrides for messages with
nothing to read and for emergencies."""
