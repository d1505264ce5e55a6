"""Authentication: password hashing now; tokens and sessions build on it."""
