"""Template tags of readers' pages: the section navigation, the canonical address, pictures."""

from django import template

from newsroom.models import Section
from newsroom.renditions import DEFAULT_SIZES, renditions_of

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


@register.inclusion_tag("newsroom/includes/picture.html")
def picture(
    file,
    width=None,
    height=None,
    alt="",
    *,
    sizes=DEFAULT_SIZES,
    lazy=True,
    css_class="",
) -> dict:
    """A responsive image: WebP and JPEG renditions in `srcset`, the original's width and
    height (no layout shift), lazy loading unless it is the first image on the page."""
    renditions = renditions_of(file, width)
    jpeg = renditions.get("jpg", [])
    fallback = next((r for r in reversed(jpeg) if r.width <= FALLBACK_WIDTH), None)
    return {
        "original_url": file.url if file else "",
        "webp_srcset": srcset(renditions.get("webp", [])),
        "jpeg_srcset": srcset(jpeg),
        "fallback_url": fallback.url if fallback else (jpeg[0].url if jpeg else ""),
        "width": width,
        "height": height,
        "alt": alt,
        "sizes": sizes,
        "lazy": lazy,
        "css_class": css_class,
    }


FALLBACK_WIDTH = 960


def srcset(renditions) -> str:
    return ", ".join(f"{rendition.url} {rendition.width}w" for rendition in renditions)
