"""``python -m workers.cli``: the ``guardstream`` command."""

import sys

from workers.cli.main import main

sys.exit(main())
