import sys

from drsim.cli import main

sys.exit(main())
