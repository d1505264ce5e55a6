"""HTTP routes of e-mail: a company's templates and its mail log."""
