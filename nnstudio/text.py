"""Small helpers for the words of messages, shared by the engine, the files and the studio."""

from __future__ import annotations


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
