"""The preview of an event: the readers' event page for any event not unpublished.

See newsroom.preview for the signed, expiring links that lead here.
"""

from newsroom.preview import PreviewMixin

from .views import EventDetailView


class EventPreviewView(PreviewMixin, EventDetailView):
    pass
