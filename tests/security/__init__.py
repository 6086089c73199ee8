"""Security tests: least privilege, bad input, secret hygiene, faults, rotation, load."""
