"""Small helpers for the words of messages, shared by the engine, the files and the studio."""

from __future__ import annotations

from collections.abc import Sequence


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """A count and its noun, in the singular for exactly one.

    Parameters
    ----------
    count : int
        Written with thousands separators (``1,797``).
    singular : str
        The noun for one (``"unit"``, ``"class"``, ``"output unit"``).
    plural_form : str or None
        The noun for any other count; by default ``singular`` plus "es" after an "s"
        (``"classes"``), else plus "s".

    Returns
    -------
    str
        ``"1 unit"``, ``"4 units"``, ``"3 classes"``, ``"2 biases"``.
    """
    if count == 1:
        return f"{count:,} {singular}"
    if plural_form is None:
        plural_form = singular + ("es" if singular.endswith("s") else "s")
    return f"{count:,} {plural_form}"


def listed_name(name: str) -> str:
    """``name`` as :func:`name_list` shows it: in quotes (“cat, big”) when it holds a comma.

    Without them, the classes ``cat, big`` and ``dog`` read as three names.
    """
    return f"“{name}”" if "," in name else name


def name_list(names: Sequence[str], limit: int = 6) -> str:
    """``"a, b, c"``, shortened to the first ``limit`` names and a count of the rest.

    Names holding a comma are quoted (see :func:`listed_name`): ``“cat, big”, dog``.
    """
    shown = [listed_name(name) for name in names]
    if len(shown) <= limit:
        return ", ".join(shown)
    return f"{', '.join(shown[:limit])}, … ({len(shown) - limit} more)"
