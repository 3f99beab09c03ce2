"""``python -m nnstudio``: same as the ``nnstudio`` command."""

import sys

from nnstudio.cli import main

sys.exit(main())
