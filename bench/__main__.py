"""``python -m bench``: the benchmarks; see ``python -m bench --help``."""

from bench.intake import main

raise SystemExit(main())
