"""Stands in for the get-pip.py that ansible-test downloads from ci-files.testing.ansible.com,
which this machine cannot reach, to put pip into the virtualenvs of its sanity tests.

Like get-pip.py, it installs pip, then the packages it is given (pip==<version>) from PyPI;
the first pip comes from the standard library's ensurepip instead of a bundled copy.
tools/ansible-test.sh places it where ansible-test looks for a cached get-pip.py.
"""

import ensurepip
import os
import subprocess
import sys

# get-pip.py's own options, which pip itself does not take.
GET_PIP_OPTIONS = {"--no-setuptools", "--no-wheel"}


def main() -> None:
    config_file = os.environ.get("PIP_CONFIG_FILE")
    ensurepip.bootstrap(upgrade=True)
    # ensurepip points PIP_CONFIG_FILE at /dev/null in this process; the machine's pip
    # configuration (a CA bundle, say) applies again to the pip it installed.
    if config_file is None:
        os.environ.pop("PIP_CONFIG_FILE", None)
    else:
        os.environ["PIP_CONFIG_FILE"] = config_file
    pip_args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_OPTIONS]
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *pip_args], check=True)


if __name__ == "__main__":
    main()
