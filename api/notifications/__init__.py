"""HTTP routes of the signed-in user's in-app notifications."""
