"""Packaging glue that pyproject.toml cannot express: the top-level `resources/` folder ships
inside the wheel as `impilo_desktop/_resources`, so an installed app finds its icons."""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["impilo_desktop", "impilo_desktop.*"]),
        "impilo_desktop._resources",
    ],
    package_dir={"impilo_desktop._resources": "resources"},
    package_data={"impilo_desktop": ["py.typed"], "impilo_desktop._resources": ["**/*"]},
)
