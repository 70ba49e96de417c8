"""End-to-end rate of the running pipeline: encounters posted to the ingest API until every one
is accounted for (payment posted, or held with a reason). Needs a running stack (`telebill up`);
`make bench` runs the whole suite (bench/suite.py) instead."""

from __future__ import annotations

import sys

from _pipeline import print_backlog, run_backlog  # beside this script

from shared.settings import get_settings

if __name__ == "__main__":
    print_backlog(run_backlog(get_settings(), int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
