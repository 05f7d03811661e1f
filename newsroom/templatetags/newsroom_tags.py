"""Template tags every readers' page uses: the section navigation and the canonical address."""

from django import template

from newsroom.models import Section

register = template.Library()


@register.inclusion_tag("newsroom/includes/section_nav.html", takes_context=True)
def section_nav(context) -> dict:
    """The site navigation: the front page, then every section in its order (one query)."""
    request = context.get("request")
    return {
        "sections": list(Section.objects.all()),
        "current_path": request.path if request else "",
    }


@register.simple_tag(takes_context=True)
def canonical_url(context, obj=None) -> str:
    """The absolute address of `obj` (or of this page), keeping only a page number past 1."""
    request = context["request"]
    path = obj.get_absolute_url() if obj is not None else request.path
    page = context.get("page_obj")
    if page is not None and page.number > 1:
        path = f"{path}?page={page.number}"
    return request.build_absolute_uri(path)


@register.filter(expects_localtime=True)
def iso_datetime(value) -> str:
    """A `<time datetime>` value: local time to the second, with its offset (no microseconds)."""
    return value.isoformat(timespec="seconds") if value else ""
