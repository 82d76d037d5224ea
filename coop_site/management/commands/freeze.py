from django.core.management.base import BaseCommand, CommandError

from coop_site.freezing import FreezeError, freeze


class Command(BaseCommand):
    help = (
        "Write every public page (each version of each page, the listings by year and theme, detail pages, "
        "feeds, sitemap) and the static files into a folder, as a self-contained static site with relative "
        "links; then check every internal link and fail on a broken one, leaving nothing at the folder."
    )

    def add_arguments(self, parser):
        parser.add_argument("out_dir", help="a new or empty folder")
        parser.add_argument(
            "--base-url", default="http://localhost:8000/",
            help="the address the frozen site will be served at; used in the sitemap, feeds and robots.txt",
        )

    def handle(self, *args, out_dir, base_url, **options):
        try:
            report = freeze(out_dir, base_url=base_url)
        except FreezeError as error:
            raise CommandError(f"{error}\nNothing was written to {out_dir}.") from error
        for line in report.lines():
            self.stdout.write(line)
