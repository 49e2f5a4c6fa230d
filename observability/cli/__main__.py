import sys

from observability.cli import main

sys.exit(main())
