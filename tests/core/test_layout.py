"""Arrows point down only: the apps import core, core imports none of them;
activities depends on partners, partners on neither activities nor contact."""

import ast
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

CORE = Path(settings.BASE_DIR) / "core"
APPS = {"activities", "partners", "contact", "coop_site"}


def imported_modules(path):
    """The top-level modules that ``path`` (Python source) imports, wherever the import stands."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.partition(".")[0]


class CoreLayoutTests(SimpleTestCase):
    def test_core_imports_no_app_of_the_project(self):
        found = {
            f"{path.relative_to(CORE.parent)} imports {module}"
            for path in CORE.rglob("*.py")
            for module in imported_modules(path)
            if module in APPS
        }
        self.assertEqual(found, set())

    def test_the_apps_import_nothing_from_the_project_package(self):
        found = {
            f"{path.relative_to(CORE.parent)} imports coop_site"
            for app in ("activities", "partners", "contact")
            for path in (CORE.parent / app).rglob("*.py")
            if "coop_site" in set(imported_modules(path))
        }
        self.assertEqual(found, set())

    def test_partners_imports_neither_activities_nor_contact(self):
        found = {
            f"{path.relative_to(CORE.parent)} imports {module}"
            for path in (CORE.parent / "partners").rglob("*.py")
            for module in imported_modules(path)
            if module in {"activities", "contact"}
        }
        self.assertEqual(found, set())
