"""``python -m pinecone_imports_frame``: the ``pinecone-imports`` command."""

import sys

from .cli import main

sys.exit(main())
