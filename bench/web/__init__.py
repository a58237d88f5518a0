"""`make bench-web`: the portal under gunicorn with a year of data, one user per page and 50
users at once (README.md in this folder)."""
