"""`python -m webex_emulator`: the emulator on a loopback port until interrupted."""

import sys

from webex_emulator.cli import main

sys.exit(main())
