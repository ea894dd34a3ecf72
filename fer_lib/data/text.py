"""Text files: the one reader behind every list, split, CSV and index file of the loaders.

Files saved by Windows editors or Excel start with a UTF-8 byte-order mark (U+FEFF); read as plain UTF-8
it stays in the text, invisible: a header-less split file loses its first row (``\\ufeffclip0001 3``
names no folder) and a path or header gains a character no one can see. Concatenated files carry one
at a line start. U+FEFF is never part of a path, label or number, so it is removed wherever it stands.
Text that is not UTF-8 is an error naming the file.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterator

BOM = "\ufeff"


def iter_lines(path: str | Path) -> Iterator[str]:
    """The lines of a UTF-8 text file, line ends kept (as ``csv.reader`` wants them), byte-order marks removed.

    FileNotFoundError / ValueError (not UTF-8) name the file.
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            for line in handle:
                yield line.replace(BOM, "")
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} does not exist") from None
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 text ({err.reason}); save it as UTF-8") from None


def read_lines(path: str | Path) -> list[str]:
    """The lines of a UTF-8 text file without line ends or byte-order marks (line k is item k - 1)."""
    return [line.rstrip("\r\n") for line in iter_lines(path)]


def csv_rows(path: str | Path, **reader_options) -> Iterator[list[str]]:
    """The rows of a CSV file (``csv.reader``; options such as ``delimiter`` passed on), byte-order marks removed."""
    return csv.reader(iter_lines(path), **reader_options)


def read_csv_dicts(path: str | Path) -> list[dict[str, str]]:
    """The rows of a CSV file with a header as dicts (``csv.DictReader``), byte-order marks removed."""
    return list(csv.DictReader(iter_lines(path)))
