import os
import subprocess

from django.conf import settings
from django.test import SimpleTestCase


class MakeRunTests(SimpleTestCase):
    def gunicorn_command(self):
        """The gunicorn command line `make run` would start (`make -n` prints it, running nothing)."""
        result = subprocess.run(["make", "-n", "run", "PORT=8765"], cwd=settings.BASE_DIR,
                                capture_output=True, text=True, check=True)
        return next(line for line in result.stdout.splitlines() if "/bin/gunicorn " in line)

    def test_serves_without_a_control_socket(self):
        # A control socket lives at one path per user, so a second server would take over the first's.
        command = self.gunicorn_command() + " --print-config"
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
        result = subprocess.run(["bash", "-c", command], check=False, cwd=settings.BASE_DIR, env=environment,
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        printed = dict(map(str.strip, line.split("=", 1)) for line in result.stdout.splitlines() if "=" in line)
        resolved = {name: printed[name] for name in ("control_socket_disable", "bind", "workers")}
        self.assertEqual(resolved, {"control_socket_disable": "True", "bind": "['127.0.0.1:8765']", "workers": "2"})
