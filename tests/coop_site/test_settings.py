import os
import subprocess
import sys

from django.conf import settings
from django.test import SimpleTestCase


class ProductionSettingsTests(SimpleTestCase):
    def run_check(self, **env):
        environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        environment.update(DJANGO_SETTINGS_MODULE="coop_site.settings.production", **env)
        return subprocess.run(
            [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=environment,
            capture_output=True, text=True,
        )

    def test_refuses_to_start_without_a_secret_key(self):
        result = self.run_check()
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("Set DJANGO_SECRET_KEY", result.stderr)

    def test_starts_with_a_secret_key(self):
        result = self.run_check(DJANGO_SECRET_KEY="x" * 60, DJANGO_ALLOWED_HOSTS="coop.example.gov")
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_session_and_csrf_cookies_are_secure_and_http_only(self):
        environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        environment.update(DJANGO_SETTINGS_MODULE="coop_site.settings.production", DJANGO_SECRET_KEY="x" * 60)
        code = (
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, len(s.AUTH_PASSWORD_VALIDATORS))"
        )
        result = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=environment,
                                capture_output=True, text=True)
        self.assertEqual(result.stdout.split(), ["True", "True", "True", "4"], result.stderr)
