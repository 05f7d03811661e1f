"""Discovery: robots.txt, the sitemap index and its sitemaps, the Google News sitemap."""

from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from newsroom.caching import public_page

from .sitemaps import SITEMAPS, NewsSitemap


@require_GET
@public_page
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('events:sitemap_index'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@public_page
def sitemap_index(request: HttpRequest) -> HttpResponse:
    return sitemap_views.index(request, SITEMAPS, sitemap_url_name="events:sitemap")


@public_page
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    return sitemap_views.sitemap(request, SITEMAPS, section=section)


@public_page
def news_sitemap(request: HttpRequest) -> HttpResponse:
    """Google News: the last two days' stories, with publication name, language and title."""
    return sitemap_views.sitemap(
        request, {"news": NewsSitemap}, section="news", template_name="sitemaps/news.xml"
    )
