"""Loading a snapshot fixture from the admin: the same service, checks and
messages as `manage.py load_snapshot`, for Publishers."""

import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.text import get_valid_filename

from . import snapshots


class SnapshotUploadForm(forms.Form):
    fixture = forms.FileField(
        label="Snapshot fixture",
        help_text="A natural-key fixture in JSON, as export_snapshot writes it, e.g. peru-2021-01-19.json. "
        "It is loaded whole or not at all.",
    )
    replace = forms.BooleanField(
        required=False, label="Replace the snapshot it holds",
        help_text="Make a dated snapshot already in the database exactly what the file holds "
        "(records changed, added and removed). Without it, a file that differs from a stored snapshot is refused.",
    )

    def clean_fixture(self):
        fixture = self.cleaned_data["fixture"]
        if fixture.size > settings.SNAPSHOT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {fixture.size:,} bytes; a snapshot file may be at most {settings.SNAPSHOT_MAX_BYTES:,}."
            )
        return fixture


class SnapshotUploadAdmin:
    """For the pages' admin: "Load a snapshot", by Publishers."""

    def get_urls(self):
        return [
            path("load-snapshot/", self.admin_site.admin_view(self.load_snapshot_view),
                 name="activities_page_load_snapshot"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_load_snapshot": snapshots.is_publisher(request.user)}
        return super().changelist_view(request, extra_context)

    def load_snapshot_view(self, request):
        if not snapshots.is_publisher(request.user):
            raise PermissionDenied("Only Publishers may load a snapshot.")
        form = SnapshotUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            report = self.load_uploaded(request, form)
            if report is not None:
                for line in report.lines():
                    self.message_user(request, line, messages.SUCCESS)
                return redirect("admin:activities_page_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "Load a snapshot",
            "opts": self.opts,
            "form": form,
        }
        return TemplateResponse(request, "admin/activities/page/load_snapshot.html", context)

    def load_uploaded(self, request, form):
        """The report of loading the uploaded file, or None with the reason on the form."""
        upload = form.cleaned_data["fixture"]
        with tempfile.TemporaryDirectory() as folder:
            # Under its own name, so that the messages and the history name the file.
            fixture = Path(folder) / get_valid_filename(Path(upload.name).name or "snapshot.json")
            with fixture.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                report = snapshots.load_snapshot(fixture, user=request.user, replace=form.cleaned_data["replace"])
            except (snapshots.SnapshotError, PermissionDenied) as error:
                problem = str(error).replace(str(fixture), fixture.name)
                form.add_error("fixture", f"{problem} Nothing was loaded; the database is as it was.")
                return None
        report.path = fixture.name
        return report
