"""The desk's admin site: Django's, with a "View on site" that never leaks a draft's address.

Django's own redirect (`/admin/r/<content type>/<id>/`) sends any staff user to the public
address of any object. Here a live item leads to its public page; an item readers cannot see
leads to its preview, and only for someone who may view it in the desk; anything else answers
404. Other objects (entities, sections, publishers) need the permission to view them.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path


class DeskSite(admin.AdminSite):
    """`admin.site` (titles and the dashboard are set in newsroom/admin.py)."""

    def get_urls(self):
        urls = [url for url in super().get_urls() if getattr(url, "name", None) != "view_on_site"]
        return [
            path(
                "r/<path:content_type_id>/<path:object_id>/",
                self.admin_view(self.view_on_site),
                name="view_on_site",
            ),
            *urls,
        ]

    def view_on_site(self, request, content_type_id: str, object_id: str):
        """Where the change form's "View on site" leads (see the module's docstring)."""
        # Imported here: the admin site is built before every app's models may be imported.
        from django.contrib.contenttypes import views as contenttype_views
        from django.contrib.contenttypes.models import ContentType
        from django.core.exceptions import ValidationError

        from . import preview
        from .models import Publishable, Status

        try:
            model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
            obj = model._default_manager.filter(pk=object_id).first() if model else None
        except (ValueError, ValidationError, ContentType.DoesNotExist):
            obj = None
        if obj is None or not hasattr(obj, "get_absolute_url"):
            raise Http404("There is nothing to show on the site here.")
        model_admin = self._registry.get(type(obj))
        may_view = model_admin is not None and model_admin.has_view_or_change_permission(
            request, obj
        )
        if isinstance(obj, Publishable):
            if obj.is_published:
                return redirect(obj.get_absolute_url())
            if may_view and obj.status != Status.UNPUBLISHED:
                return redirect(preview.preview_url(obj))
            raise Http404("Readers cannot see this item.")
        if not may_view:
            raise Http404("There is nothing to show on the site here.")
        return contenttype_views.shortcut(request, content_type_id, object_id)


class DeskAdminConfig(AdminConfig):
    """`django.contrib.admin` with the desk's site as `admin.site`."""

    default_site = "newsroom.desk_site.DeskSite"
