from pathlib import Path

from django.core.management.base import BaseCommand
from django.template.loader import render_to_string


class Command(BaseCommand):
    help = (
        "Write the site's \"temporarily unavailable\" page (templates/503.html) into a file, for nginx to send "
        "when gunicorn does not answer (deploy/nginx.conf's @UNAVAILABLE_PAGE@). Run it at each release, "
        "after collectstatic: the page names the release's static files."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the file to write, e.g. /srv/coop_site/unavailable.html")

    def handle(self, *args, path, **options):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_to_string("503.html"), encoding="utf-8")
        self.stdout.write(f"Wrote {path}.")
