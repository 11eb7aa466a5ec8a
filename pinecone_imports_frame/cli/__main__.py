"""``python -m pinecone_imports_frame.cli``: the ``pinecone-imports`` command."""

import sys

from . import main

sys.exit(main())
