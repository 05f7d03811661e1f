"""Spreadsheets in the desk: import and export buttons, the import form, the imports' pages.

`SpreadsheetAdminMixin` goes first in a ModelAdmin's bases and names the importer:

    class EventAdmin(SpreadsheetAdminMixin, PublishableAdmin):
        spreadsheet_importer = EventImporter
        resource_classes = [EventResource]

Export is django-import-export's view (format and column choice), with every cell passed
through our formula escaping. Import is ours: the file is previewed first (a dry run, in the
background for large files) on a page the editor can leave and come back to under
Newsroom > Imports; nothing is written until they confirm a preview without problems.

The sources app may not import from newsroom, so its publisher and source admins get the
mixin here, by registering subclasses of them in their place.
"""

import hashlib
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, ODS, XLSX
from reversion.admin import VersionAdmin

from sources.admin import PublisherAdmin, SourceAdmin
from sources.models import Publisher, Source
from sources.resources import PublisherResource, SourceResource

from ..models import ImportRecord
from ..resources import PublisherImporter, SourceImporter
from ..revisions import RevisionsAdmin
from ..tasks import read_progress, start_import
from ..workflow import can_publish
from .engine import BulkImporter
from .exports import CONTENT_TYPES, FORMATS, sanitised, template_file

ROWS_PER_PAGE = 200


def may_import(user, model) -> bool:
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.{get_permission_codename('import', opts)}")


class SpreadsheetImportForm(forms.Form):
    file = forms.FileField(
        help_text="A CSV (UTF-8 or Windows-1252), Excel (.xlsx) or OpenDocument (.ods) file "
        "whose first row names the columns."
    )
    publish = forms.BooleanField(
        required=False,
        label="Publish the imported items",
        help_text="Left unticked, new items arrive as drafts. Ticked, every item of the file is "
        "published once its preview is confirmed, if it meets the rules for publishing.",
    )

    def __init__(self, *args, user=None, model=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.model = user, model
        if model is None or not hasattr(model, "publish_problems"):
            del self.fields["publish"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.NEWSROOM_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}, more than the limit of "
                f"{filesizeformat(limit)}. Split it, or ask an administrator to import it from "
                "the command line."
            )
        return upload

    def clean_publish(self):
        publish = self.cleaned_data.get("publish", False)
        if publish and not can_publish(self.user, self.model):
            raise forms.ValidationError(
                "Only editors can publish on import; untick the box to import drafts."
            )
        return publish


class SpreadsheetAdminMixin(ExportMixin):
    """Import (ours) and export (django-import-export's) buttons on a model's change list."""

    spreadsheet_importer: type[BulkImporter]
    import_export_change_list_template = "admin/spreadsheets/change_list.html"
    # django-import-export's page without inline handlers and styles (Content-Security-Policy).
    export_template_name = "admin/spreadsheets/export.html"
    formats = [CSV, XLSX, ODS]

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.spreadsheet_import_view),
                name="{}_{}_import".format(*info),
            ),
            path(
                "import/template.<str:file_format>",
                self.admin_site.admin_view(self.spreadsheet_template_view),
                name="{}_{}_import_template".format(*info),
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request) -> bool:
        return may_import(request.user, self.model)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
            # This template replaces django-reversion's, so it offers its recover link too.
            "has_recover_link": isinstance(self, VersionAdmin),
        }
        return super().changelist_view(request, extra_context)

    def get_data_for_export(self, request, queryset, **kwargs):
        return sanitised(super().get_data_for_export(request, queryset, **kwargs))

    def spreadsheet_template_view(self, request, file_format: str):
        if not self.has_import_permission(request):
            raise PermissionDenied
        if file_format not in FORMATS:
            raise Http404("No such format.")
        response = HttpResponse(
            template_file(self.spreadsheet_importer.columns, file_format),
            content_type=CONTENT_TYPES[file_format],
        )
        name = f"{self.spreadsheet_importer.name}-template.{file_format}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def spreadsheet_import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = SpreadsheetImportForm(
            request.POST or None, request.FILES or None, user=request.user, model=self.model
        )
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            digest = hashlib.sha256()
            for block in upload.chunks():
                digest.update(block)
            name = Path(upload.name).name[:255]
            record = ImportRecord(
                resource=self.spreadsheet_importer.name,
                file_name=name,
                sha256=digest.hexdigest(),
                file_size=upload.size,
                format=Path(name).suffix.lstrip(".").lower()[:10],
                dry_run=True,
                publish=form.cleaned_data.get("publish", False),
                created_by=request.user,
            )
            upload.seek(0)
            record.file.save(name, upload, save=False)
            record.save()
            start_import(
                record, self.spreadsheet_importer, max_rows=settings.NEWSROOM_IMPORT_MAX_ROWS
            )
            return redirect("admin:newsroom_importrecord_change", record.pk)
        ImportRecord.objects.mark_interrupted()  # the recent imports listed below
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import {self.opts.verbose_name_plural}",
            "opts": self.opts,
            "form": form,
            "columns": self.spreadsheet_importer.columns.items(),
            "required": self.spreadsheet_importer.required_columns,
            "formats": list(FORMATS),
            "max_bytes": settings.NEWSROOM_IMPORT_MAX_BYTES,
            "max_rows": settings.NEWSROOM_IMPORT_MAX_ROWS,
            "recent": ImportRecord.objects.filter(resource=self.spreadsheet_importer.name)
            .defer("rows", "errors")  # every row's outcome: large, and not shown here
            .select_related("created_by")[:5],
        }
        return TemplateResponse(request, "admin/spreadsheets/import.html", context)


def importer_for(admin_site, resource: str) -> tuple[type[BulkImporter], type] | None:
    """(importer, model) of the admin that imports `resource` sheets."""
    for model, model_admin in admin_site._registry.items():
        importer = getattr(model_admin, "spreadsheet_importer", None)
        if importer is not None and importer.name == resource:
            return importer, model
    return None


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    """Every import: who, when, which file, what became of it. Read-only."""

    list_display = [
        "file_name",
        "resource",
        "state_column",
        "created",
        "updated",
        "unchanged",
        "error_count",
        "created_by",
        "created_at",
    ]
    list_display_links = ["file_name"]
    list_filter = ["state", "resource", "dry_run"]
    list_select_related = ["created_by"]
    search_fields = ["file_name", "sha256"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("_changelist"):
            # Every row's outcome can run to 200,000 entries; the list shows only counts.
            queryset = queryset.defer("rows", "errors")
        return queryset

    def changelist_view(self, request, extra_context=None):
        ImportRecord.objects.mark_interrupted()  # no import cut off by a restart shows running
        return super().changelist_view(request, extra_context)

    def has_view_permission(self, request, obj=None) -> bool:
        user = request.user
        return user.is_active and (
            user.is_superuser
            or any(
                perm.split(".", 1)[1].startswith("import_") for perm in user.get_all_permissions()
            )
        )

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    @admin.display(description="state", ordering="state")
    def state_column(self, record: ImportRecord) -> str:
        label = record.get_state_display()
        if record.dry_run and record.state != ImportRecord.State.PREVIEWED:
            label = f"{label} (preview)"
        return label

    def get_urls(self):
        return [
            path(
                "<int:pk>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="newsroom_importrecord_progress",
            ),
            path(
                "<int:pk>/confirm/",
                self.admin_site.admin_view(require_POST(self.confirm_view)),
                name="newsroom_importrecord_confirm",
            ),
            *super().get_urls(),
        ]

    def progress_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        record = get_object_or_404(ImportRecord, pk=pk)
        return JsonResponse(read_progress(record))

    def confirm_view(self, request, pk: int):
        """Import for real a file whose preview found no problem."""
        record = get_object_or_404(ImportRecord, pk=pk)
        found = importer_for(self.admin_site, record.resource)
        if found is None or not may_import(request.user, found[1]):
            raise PermissionDenied
        importer, model = found
        if not (record.dry_run and record.state == ImportRecord.State.PREVIEWED):
            messages.error(request, "Only a preview without problems can be imported.")
            return redirect("admin:newsroom_importrecord_change", record.pk)
        if record.publish and not can_publish(request.user, model):
            raise PermissionDenied("Only editors can publish on import.")
        with record.file.open("rb") as file:
            digest = hashlib.sha256(file.read()).hexdigest()
        if digest != record.sha256:
            raise PermissionDenied("The stored file changed since its preview.")
        real = ImportRecord.objects.create(
            resource=record.resource,
            file=record.file.name,
            file_name=record.file_name,
            sha256=record.sha256,
            file_size=record.file_size,
            format=record.format,
            dry_run=False,
            publish=record.publish,
            created_by=request.user,
        )
        start_import(real, importer, max_rows=settings.NEWSROOM_IMPORT_MAX_ROWS)
        return redirect("admin:newsroom_importrecord_change", real.pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        record = get_object_or_404(ImportRecord.objects.select_related("created_by"), pk=object_id)
        found = importer_for(self.admin_site, record.resource)
        rows = Paginator(record.rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
        progress = read_progress(record)  # first: it marks an import cut off by a restart
        finished = record.state not in ImportRecord.UNFINISHED
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import of {record.file_name}",
            "opts": self.opts,
            "record": record,
            "progress": progress,
            "finished": finished,
            "retry_url": (
                found is not None
                and record.state == ImportRecord.State.FAILED
                and record.message == ImportRecord.INTERRUPTED
                and may_import(request.user, found[1])
                and reverse(f"admin:{found[1]._meta.app_label}_{found[1]._meta.model_name}_import")
            ),
            "rows": rows,
            "can_confirm": (
                found is not None
                and record.dry_run
                and record.state == ImportRecord.State.PREVIEWED
                and may_import(request.user, found[1])
            ),
            "changelist_url": found
            and reverse(f"admin:{found[1]._meta.app_label}_{found[1]._meta.model_name}_changelist"),
            "progress_url": reverse("admin:newsroom_importrecord_progress", args=[record.pk]),
            "confirm_url": reverse("admin:newsroom_importrecord_confirm", args=[record.pk]),
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/spreadsheets/importrecord.html", context)


# Publishers and sources: the sources app cannot import this module, so its admins get the
# mixin and the revisions' history here. Their own classes stay as the sources app defines them.
admin.site.unregister(Publisher)
admin.site.unregister(Source)


@admin.register(Publisher)
class PublisherSpreadsheetAdmin(SpreadsheetAdminMixin, PublisherAdmin, RevisionsAdmin):
    spreadsheet_importer = PublisherImporter
    resource_classes = [PublisherResource]


@admin.register(Source)
class SourceSpreadsheetAdmin(SpreadsheetAdminMixin, SourceAdmin, RevisionsAdmin):
    spreadsheet_importer = SourceImporter
    resource_classes = [SourceResource]
