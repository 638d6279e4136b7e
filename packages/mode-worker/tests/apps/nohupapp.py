"""``nohupapp.py ARGS...``: run ``workerapps.py ARGS...`` as ``nohup`` would.

SIGHUP is ignored, then the scenario is exec'ed: it starts with SIGHUP
ignored, as a program started under ``nohup`` does.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

if __name__ == "__main__":
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    script = str(Path(__file__).with_name("workerapps.py"))
    os.execv(sys.executable, [sys.executable, script, *sys.argv[1:]])
