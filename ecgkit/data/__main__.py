"""``python -m ecgkit.data info|download|ensure``: find, download and describe the course data."""
from ecgkit.data.download import main

if __name__ == "__main__":
    raise SystemExit(main())
