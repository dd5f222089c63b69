"""The built-in models as adapters of :mod:`forecast.models.protocol`.

One module per model family; each exposes the factory its registry entry names
(:mod:`forecast.models.registry`). An adapter fits its model once from the run's inputs,
draws its parameters once, and projects each scenario through those draws.
"""
