from django.contrib import admin
from django.utils import timezone

from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Visitors' messages: staff read them and mark them handled; nobody edits what was written."""

    list_display = ["subject", "name", "email", "received", "handled"]
    list_filter = ["handled", "received_at"]
    search_fields = ["subject", "name", "email", "body"]
    date_hierarchy = "received_at"
    list_select_related = ["handled_by"]
    readonly_fields = ["name", "email", "subject", "body", "page", "received_at", "handled_at", "handled_by"]
    fields = ["received_at", "name", "email", "page", "subject", "body", "handled", "handled_at", "handled_by"]
    actions = ["mark_handled", "mark_unhandled"]
    show_facets = admin.ShowFacets.ALWAYS

    def has_add_permission(self, request):
        return False  # messages come from visitors only

    @admin.display(description="received", ordering="received_at")
    def received(self, message):
        return f"{timezone.localtime(message.received_at):%Y-%m-%d %H:%M}"

    def save_model(self, request, message, form, change):
        if "handled" in form.changed_data:
            message.handled_at, message.handled_by = (timezone.now(), request.user) if message.handled else (None, None)
        super().save_model(request, message, form, change)

    @admin.action(description="Mark the selected messages handled", permissions=["change"])
    def mark_handled(self, request, queryset):
        count = queryset.filter(handled=False).update(handled=True, handled_at=timezone.now(), handled_by=request.user)
        self.message_user(request, f"Marked {count} messages handled.")

    @admin.action(description="Mark the selected messages not handled", permissions=["change"])
    def mark_unhandled(self, request, queryset):
        count = queryset.filter(handled=True).update(handled=False, handled_at=None, handled_by=None)
        self.message_user(request, f"Marked {count} messages not handled.")
