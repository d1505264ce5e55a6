"""The test world: companies, people, the app and local services, built the same way for
every test area and for the benchmarks."""
