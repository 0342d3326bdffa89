"""``python -m bench``: every benchmark in turn. Flags are the intake benchmark's
(``python -m bench --help``); ``python -m bench.dispatch`` and ``python -m bench.deadlines``
run the others alone, with flags of their own."""

from bench import deadlines, dispatch, intake

status = intake.main()
status |= dispatch.main([])
status |= deadlines.main([])
raise SystemExit(status)
