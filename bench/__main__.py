"""``python -m bench``: every benchmark in turn. Flags are the intake benchmark's
(``python -m bench --help``); ``python -m bench.dispatch``, ``python -m bench.deadlines``,
``python -m bench.export`` and ``python -m bench.scale`` run the others alone, with flags of
their own."""

from bench import deadlines, dispatch, export, intake, scale

status = intake.main()
status |= dispatch.main([])
status |= deadlines.main([])
status |= export.main([])
status |= scale.main([])
raise SystemExit(status)
