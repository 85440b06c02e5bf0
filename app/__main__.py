"""`python -m app` starts the same thing as the `oss-chat` launcher."""

import sys

from app.cli import main

sys.exit(main())
