"""fer_lib: the library behind the FER reproducibility book.

Data flows one way (see README, "Layout"): data -> augment -> models -> losses -> methods
-> engine -> metrics -> results. Chapters in ``book/`` call into this package and hold no logic.
"""

# The single source of the version: pyproject.toml reads it at build time; bump it with a CHANGELOG.md entry.
__version__ = "0.2.0"
