"""The sections of ``benchmarks/run.py``: each measures one aspect of nnstudio's speed or memory.

Every section is a function ``run(settings) -> SectionResult`` (see :mod:`suite.common`); the
sections never decide the exit status from a missed target, they only report it.
"""
