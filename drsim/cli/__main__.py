import sys

try:
    from drsim.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python was still starting: stop as the commands do
    print("drsim: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
