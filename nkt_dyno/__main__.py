import sys

from nkt_dyno.cli import main

sys.exit(main())
