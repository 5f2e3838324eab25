"""python -m collab_core"""

import sys

from .cli import main

sys.exit(main())
