"""``python -m nnstudio``: same as the ``nnstudio`` command."""

import sys
import time

#: ``perf_counter`` when the process began running Python code here (start-up reports).
STARTED_AT = time.perf_counter()

from nnstudio.cli import main  # noqa: E402

sys.exit(main())
