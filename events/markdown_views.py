"""The Markdown twins of the readers' day and event pages: the same address ending in `.md`
(`/events/2010/04/07.md`, `/events/2010/04/07/<slug>.md`), in the archive format that
`export_archive` writes (see `events.archive`), with links between twins.

Only published events and published related events appear; anything else answers 404. Each
twin costs a fixed number of queries whatever its citations, entities or related events.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from newsroom.caching import public_page
from newsroom.converters import day_or_404

from .archive import (
    SITE_LINKS,
    archive_entities,
    archive_events,
    day_record,
    event_record,
    render_day,
    render_event,
)
from .models import Event

CONTENT_TYPE = "text/markdown; charset=utf-8"


@public_page
@require_safe
def day_markdown(request, year: int, month: int, day: int) -> HttpResponse:
    """A day's published events in day-page order, and a link to the previous day with any."""
    date = day_or_404(year, month, day)
    events = list(
        Event.objects.published()
        .on(date)
        .with_nearest_days(before=date, after=date)
        .select_related("topic")
        .prefetch_related(archive_entities())
        .in_day_order()
    )
    if not events:
        raise Http404("No events published on this day.")
    text = render_day(day_record(date, events, events[0].previous_day), links=SITE_LINKS)
    return HttpResponse(text, content_type=CONTENT_TYPE)


@public_page
@require_safe
def event_markdown(request, year: int, month: int, day: int, slug: str) -> HttpResponse:
    event = get_object_or_404(archive_events(), date=day_or_404(year, month, day), slug=slug)
    return HttpResponse(
        render_event(event_record(event), links=SITE_LINKS), content_type=CONTENT_TYPE
    )
