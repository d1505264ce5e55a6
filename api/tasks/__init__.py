"""HTTP routes of tasks used on their own: their form, submissions and reading them back."""
