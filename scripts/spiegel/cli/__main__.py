"""``python -m spiegel.cli``: the same as the `spiegel` command."""

from spiegel.cli import main

raise SystemExit(main())
