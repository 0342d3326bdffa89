"""``python -m bench``: every benchmark in turn. Flags are the intake benchmark's
(``python -m bench --help``); ``python -m bench.dispatch``, ``python -m bench.deadlines`` and
``python -m bench.export`` run the others alone, with flags of their own."""

from bench import deadlines, dispatch, export, intake

status = intake.main()
status |= dispatch.main([])
status |= deadlines.main([])
status |= export.main([])
raise SystemExit(status)
