"""User-facing error types.

Every error a person can cause (a bad file, a wrong column, an absurd setting) is raised as a
subclass of :class:`NNStudioError` whose message names what is wrong. The command line prints
the message on one line and the studio shows it in a dialog; neither shows a traceback.
"""

from __future__ import annotations


class NNStudioError(Exception):
    """Base class for errors whose message is meant for the user."""


class SpecError(NNStudioError, ValueError):
    """A project document is invalid.

    Parameters
    ----------
    problems : list of str
        One message per problem, each starting with the JSON path of the offending field,
        e.g. ``"network.layers[2].activation: unknown 'relu6'; expected one of ..."``.
    """

    def __init__(self, problems: list[str] | str):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        #: What is invalid, without the problems ("x.nnproj is not a valid project"), or "".
        self.summary = ""
        super().__init__("; ".join(self.problems))


class DataError(NNStudioError, ValueError):
    """A data set cannot be loaded or does not fit the network."""


class ProjectFileError(NNStudioError, OSError):
    """A project, weights or export file cannot be read or written."""


class MissingExtraError(NNStudioError, ImportError):
    """An optional dependency is needed for the requested feature."""

    def __init__(self, feature: str, extra: str, module: str):
        super().__init__(
            f"{feature} needs the '{module}' package: install it with "
            f"pip install 'nnstudio[{extra}]'"
        )
        self.extra = extra
