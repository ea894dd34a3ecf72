"""fer_lib: the library behind the FER reproducibility book.

Data flows one way (see README, "Layout"): data -> augment -> models -> losses -> methods
-> engine -> metrics -> results. Chapters in ``book/`` call into this package and hold no logic.
"""

__version__ = "0.1.0"
