# A package, so that pytest imports tests/browser/conftest.py as browser.conftest and
# `from conftest import ...` in other test modules still finds tests/conftest.py.
