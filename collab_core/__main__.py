"""python -m collab_core"""

import sys

from collab_core.cli.main import main

sys.exit(main())
