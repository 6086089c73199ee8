# A package, so that pytest imports tests/browser/conftest.py as browser.conftest rather than
# as a second top-level module named conftest.
