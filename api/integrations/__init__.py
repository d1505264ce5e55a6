"""Integration routes beyond CRUD: types, OAuth connect and callback, tests, runs, syncs."""
